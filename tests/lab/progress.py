"""Step lines, a heartbeat on long steps, and one clear message on failure."""

import subprocess
import sys
import threading
import time
from pathlib import Path

from . import settings

HEARTBEAT_SECONDS = 20


class LabError(Exception):
    """A lab step failed; the message says which, shows the log tail and what to do."""


def say(message):
    print(message, flush=True)


class Steps:
    """Numbered steps: ``[lab 3/9] building apache/kafka:<tag>``."""

    def __init__(self, total):
        self.total = total
        self.done = 0

    def start(self, title):
        self.done += 1
        say(f"[lab {self.done}/{self.total}] {title}")


def _heartbeat(title, log_path, stop):
    started = time.monotonic()
    while not stop.wait(HEARTBEAT_SECONDS):
        say(f"    ... {title}: {int(time.monotonic() - started)} s so far (log: {log_path})")


def log_path_for(name):
    settings.LOGS.mkdir(parents=True, exist_ok=True)
    return settings.LOGS / f"{name}.log"


def run_logged(title, command, log_name, cwd=None, env=None, hint="read the log, fix the cause, run the command again"):
    """Run a long command with its output in a log file; heartbeat while it runs."""
    log_path = log_path_for(log_name)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(title, log_path, stop), daemon=True)
    beat.start()
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            log.write(f"$ {' '.join(str(part) for part in command)}\n")
            log.flush()
            result = subprocess.run(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    finally:
        stop.set()
    if result.returncode != 0:
        raise LabError(failure_message(title, log_path, hint))
    return log_path


def failure_message(title, log_path, hint):
    tail = Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
    lines = "\n".join(f"    {line}" for line in tail)
    return f"lab step failed: {title}\n  last lines of {log_path}:\n{lines}\n  what to do: {hint}"


def fail(message):
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)
