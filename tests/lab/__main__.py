"""python3 -m tests.lab up|status|down|images|env [--only IMAGE ...]"""

import argparse
import shutil
import sys
import time

from tests import versions

from . import artifacts, engine, images, progress, services, settings


def up(only):
    selected = images.select(only)
    steps = progress.Steps(3 + len(selected))
    started = time.monotonic()
    steps.start("Debian packages the lab needs (docker.io, docker-registry, kcat, debootstrap)")
    progress.say("    installed" if engine.install_host_packages() else "    present")
    steps.start("Docker engine")
    progress.say("    started dockerd" if engine.ensure_engine() else "    answering")
    address = engine.bridge_address()
    steps.start(f"registry on {address}:{settings.REGISTRY_PORT} and artifacts on {address}:{settings.ARTIFACT_PORT}")
    services.ensure_registry(address)
    services.ensure_artifact_server(address)
    jar = services.ARTIFACTS / settings.JMX_EXPORTER_JAR
    if not jar.exists():
        shutil.copy2(artifacts.jmx_exporter(), jar)
    traefik = images.BY_NAME[versions.TRAEFIK_IMAGE]
    if traefik in selected and images.local_key(traefik.name) != images.recipe_hash(traefik):
        artifacts.start_traefik_build()
    images.ensure(selected, address, steps)
    progress.say(f"lab up in {int(time.monotonic() - started)} s; registry mirror http://{address}:{settings.REGISTRY_PORT}")


def lab_environment():
    address = engine.bridge_address()
    return {
        "LAB_ADDRESS": address,
        "LAB_REGISTRY": f"{address}:{settings.REGISTRY_PORT}",
        "LAB_REGISTRY_MIRROR": f"http://{address}:{settings.REGISTRY_PORT}",
        "LAB_JMX_EXPORTER_URL": services.artifact_url(address, settings.JMX_EXPORTER_JAR),
    }


def status():
    if not engine.engine_answers():
        progress.say("docker engine: not answering (run: python3 -m tests.lab up)")
        return 1
    address = engine.bridge_address()
    progress.say(
        f"docker engine: answering; registry: {'up' if services.answers(services.registry_url(address)) else 'down'}; "
        f"artifacts: {'up' if services.answers(services.artifact_url(address)) else 'down'}"
    )
    for name, built, pushed in images.status(address):
        progress.say(f"  {name:34} {built:18} {pushed}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m tests.lab", description="The offline lab: Docker engine, registry and images.")
    parser.add_argument("command", choices=["up", "status", "down", "images", "env"])
    parser.add_argument("--only", nargs="+", default=[], metavar="IMAGE", help="build only these images (and their parents)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "up":
            up(arguments.only)
        elif arguments.command == "status":
            return status()
        elif arguments.command == "down":
            services.stop_all()
            progress.say("registry and artifact server stopped (images and cache kept)")
        elif arguments.command == "images":
            for image in images.CATALOGUE:
                progress.say(image.name)
        else:
            for name, value in lab_environment().items():
                progress.say(f"{name}={value}")
    except progress.LabError as error:
        progress.fail(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
