"""The registry (Debian's docker-registry) and the artifact file server, both on docker0 only."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from . import progress, settings

RUN = settings.CACHE / "run"
REGISTRY_DATA = settings.CACHE / "registry"
ARTIFACTS = settings.CACHE / "artifacts"
WAIT_SECONDS = 30

REGISTRY_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: {address}:{port}
"""


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def registry_url(address):
    return f"http://{address}:{settings.REGISTRY_PORT}/v2/"


def artifact_url(address, name=""):
    return f"http://{address}:{settings.ARTIFACT_PORT}/{name}"


def _start(name, command, url):
    RUN.mkdir(parents=True, exist_ok=True)
    log_path = progress.log_path_for(name)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    (RUN / f"{name}.pid").write_text(str(process.pid), encoding="utf-8")
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if answers(url):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    raise progress.LabError(
        progress.failure_message(f"start {name}", log_path, f"is port {url.split(':')[2].split('/')[0]} taken? stop what holds it and retry")
    )


def ensure_registry(address):
    if answers(registry_url(address)):
        return False
    REGISTRY_DATA.mkdir(parents=True, exist_ok=True)
    config = RUN / "registry.yml"
    RUN.mkdir(parents=True, exist_ok=True)
    config.write_text(REGISTRY_CONFIG.format(root=REGISTRY_DATA, address=address, port=settings.REGISTRY_PORT), encoding="utf-8")
    _start("registry", ["docker-registry", "serve", str(config)], registry_url(address))
    return True


def ensure_artifact_server(address):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if answers(artifact_url(address)):
        return False
    command = [sys.executable, "-m", "http.server", "--bind", address, "--directory", str(ARTIFACTS), str(settings.ARTIFACT_PORT)]
    _start("artifacts", command, artifact_url(address))
    return True


def stop_all():
    for pid_file in RUN.glob("*.pid") if RUN.exists() else []:
        try:
            os.killpg(int(pid_file.read_text(encoding="utf-8")), signal.SIGTERM)
        except (ProcessLookupError, ValueError, PermissionError):
            pass
        pid_file.unlink()
