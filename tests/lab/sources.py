"""Package sources read from the machine's own configuration, never written in the repo."""

import re
from pathlib import Path

from . import progress

APT_SOURCES = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]


def debian_mirror():
    """The first Debian archive (not the security one) the machine's apt uses."""
    for path in APT_SOURCES:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for url in re.findall(r"^URIs:\s*(\S+)", text, re.M) + re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)", text, re.M):
            if "security" not in url:
                return url.rstrip("/")
    raise progress.LabError("no Debian mirror found in /etc/apt/sources.list{,.d}: the lab reads the archive from there")
