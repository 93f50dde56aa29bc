"""Helpers for the lab's acceptance tests: containers and networks that always get removed."""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from tests.containers import docker
from tests.lab import engine, images, settings

PREFIX = "edalab-test"
INSTANCE_FLAGS = [
    "--cap-add",
    "ALL",
    "--cap-drop",
    "SYS_RESOURCE",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--cgroupns",
    "host",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
]


def wait_until(what, probe, timeout=120, interval=2):
    """Poll probe() until it returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout} s (last: {last!r})")


def http_get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError):
        return ""


class Lab:
    """Starts containers and networks for one test and removes them afterwards."""

    def __init__(self):
        self.suffix = uuid.uuid4().hex[:6]
        self.containers = []
        self.networks = []
        self.volumes = []
        self.address = engine.bridge_address()

    def name(self, role):
        return f"{PREFIX}-{role}-{self.suffix}"

    def network(self):
        name = self.name("net")
        docker("network", "create", name)
        self.networks.append(name)
        return name

    def run(self, role, image, *args, options=()):
        name = self.name(role)
        docker("run", "-d", "--name", name, *options, image, *args)
        self.containers.append(name)
        return name

    def logs(self, name):
        result = docker("logs", "--tail", "40", name, check=False)
        return result.stdout + result.stderr

    def inspect(self, name):
        return json.loads(docker("inspect", name).stdout)[0]

    def cleanup(self):
        for name in self.containers:
            docker("rm", "-f", "-v", name, check=False)
        for name in self.networks:
            docker("network", "rm", name, check=False)
        for name in self.volumes:
            docker("volume", "rm", "-f", name, check=False)


@pytest.fixture
def lab():
    if not engine.engine_answers():
        pytest.fail("no Docker engine: run `python3 -m tests.lab up` first")
    missing = [image.name for image in images.CATALOGUE if not images.local_key(image.name)]
    if missing:
        pytest.fail(f"lab images missing ({', '.join(missing)}): run `python3 -m tests.lab up`")
    session = Lab()
    yield session
    session.cleanup()


@pytest.fixture
def registry_url():
    return f"http://{engine.bridge_address()}:{settings.REGISTRY_PORT}"
