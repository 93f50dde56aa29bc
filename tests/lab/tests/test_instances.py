"""Molecule's instance images boot systemd and run Docker inside through the lab mirror."""

import pytest

from tests.containers import docker
from tests.lab import settings

from .conftest import INSTANCE_FLAGS, wait_until


def boot(lab, release):
    volume = lab.name(f"docker-{release}")
    instance = lab.run(f"debian-{release}", f"eda-lab/instance:debian-{release}", options=[*INSTANCE_FLAGS, "-v", f"{volume}:/var/lib/docker"])
    lab.volumes.append(volume)

    def settled():
        state = docker("exec", instance, "systemctl", "is-system-running", check=False).stdout.strip()
        return state if state in ("running", "degraded") else ""

    state = wait_until(f"systemd in {instance} to settle", settled, timeout=120)
    if state == "degraded":
        failed = docker("exec", instance, "systemctl", "--failed", "--no-legend", "--plain").stdout
        pytest.fail(f"debian-{release} boots degraded; failed units:\n{failed}")
    return instance


@pytest.mark.parametrize("release", ["12", "13"])
def test_instance_boots_systemd_with_python(lab, release):
    instance = boot(lab, release)
    assert docker("exec", instance, "cat", "/proc/1/comm").stdout.strip() == "systemd"
    assert docker("exec", instance, "python3", "-c", "import apt, debian; print('ok')").stdout.strip() == "ok"
    # /proc/sys is writable at boot, as on a real host (Docker inside needs its sysctls).
    docker("exec", instance, "sysctl", "-w", "net.ipv4.ip_forward=1")


def test_docker_inside_pulls_official_names_through_the_mirror(lab):
    instance = boot(lab, "13")
    docker(
        "exec", instance, "bash", "-c", "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io docker-cli", timeout=900
    )
    mirror = f"http://{lab.address}:{settings.REGISTRY_PORT}"
    daemon_json = f'{{"registry-mirrors": ["{mirror}"], "insecure-registries": ["{lab.address}:{settings.REGISTRY_PORT}"]}}'
    docker("exec", instance, "bash", "-c", f"echo '{daemon_json}' > /etc/docker/daemon.json && systemctl restart docker")
    wait_until("docker inside the instance", lambda: docker("exec", instance, "docker", "info", check=False).returncode == 0, timeout=90)
    output = docker("exec", instance, "docker", "run", "--rm", f"busybox:{settings.BUSYBOX_TAG}", "echo", "hello from the mirror", timeout=300)
    assert "hello from the mirror" in output.stdout
