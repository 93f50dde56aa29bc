"""An offline stand-in for the get-pip.py script that ansible-test downloads.

ansible-test bootstraps pip into its sanity virtualenvs with a script it fetches from a
host this machine cannot reach, and it uses a cached copy when one exists.  The stand-in
installs Python's bundled pip (ensurepip) and then the requested packages through pip,
with the machine's own pip configuration (index, find-links, certificates).
"""

import os
import re
import subprocess
from pathlib import Path

CACHE = Path.home() / ".ansible" / "test" / "cache"

STAND_IN = '''\
"""Offline get-pip.py stand-in written by eda.platform's tests/offline_pip.py."""
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *arguments]))
'''


def wanted_pip_versions(env):
    """The pip versions ansible-test bootstraps, read from the installed ansible-test."""
    code = "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))"
    package = subprocess.run(["python", "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()
    source = Path(package, "_internal", "python_requirements.py").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"pip='([0-9.]+)'", source)))


def install_stand_in(env):
    CACHE.mkdir(parents=True, exist_ok=True)
    for version in wanted_pip_versions(env):
        path = CACHE / f"get_pip_{version.replace('.', '_')}.py"
        if not path.exists() or path.read_text(encoding="utf-8") != STAND_IN:
            path.write_text(STAND_IN, encoding="utf-8")
            os.chmod(path, 0o644)
