"""Make sure the Debian packages the lab uses are installed and a Docker engine answers."""

import os
import re
import shutil
import subprocess
import time

from . import progress, settings

ENGINE_WAIT_SECONDS = 60


def missing_packages():
    missing = []
    for package in settings.HOST_PACKAGES:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
        if "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


def install_host_packages():
    missing = missing_packages()
    if not missing:
        return False
    if os.geteuid() != 0:
        raise progress.LabError(f"the lab needs these Debian packages: {' '.join(missing)}; run as root or install them with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    progress.run_logged("apt-get update", ["apt-get", "update", "-q"], "apt-update", env=env)
    progress.run_logged(
        f"apt-get install {' '.join(missing)}", ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], "apt-install", env=env
    )
    return True


def engine_answers():
    result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, check=False)
    return result.returncode == 0


def start_dockerd():
    """No systemd on the machine: start dockerd in the background and wait for it."""
    if not shutil.which("dockerd"):
        raise progress.LabError("dockerd is not installed although docker.io is: reinstall docker.io")
    # The lab registry is plain HTTP on the docker0 bridge; trust the private ranges for it.
    command = ["dockerd", "--insecure-registry", "172.16.0.0/12"]
    with open(settings.DOCKERD_LOG, "ab") as log:
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + ENGINE_WAIT_SECONDS
    while time.monotonic() < deadline:
        if engine_answers():
            return
        time.sleep(1)
    raise progress.LabError(
        progress.failure_message(
            "start dockerd", settings.DOCKERD_LOG, "check the dockerd log; stop any half-started dockerd (pkill dockerd) and retry"
        )
    )


def ensure_engine():
    if engine_answers():
        return False
    start_dockerd()
    return True


def bridge_address():
    """The docker0 address: reachable from the host and from every container, never public."""
    result = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", "docker0"], capture_output=True, text=True, check=False)
    match = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", result.stdout)
    if not match:
        raise progress.LabError("the docker0 bridge has no IPv4 address: is dockerd running with its default bridge?")
    return match.group(1)


def docker(*args, check=True):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check)
