"""The image catalogue: how each stand-in is built, cached and pushed under its official name.

An image is rebuilt only when the hash of its recipe (the recipe folder, its build
arguments, its inputs and its parent's hash) changes; the hash is kept as a label.
"""

import hashlib
import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests import versions

from . import artifacts, engine, kafka_scripts, progress, settings

KEY_LABEL = "eda.lab.key"


@dataclass
class Image:
    name: str  # official name and tag, as the roles pull it
    recipe: str  # folder under tests/lab/recipes
    parent: str = ""  # another catalogue image this one is built FROM
    args: dict = field(default_factory=dict)
    inputs: object = None  # callable(context_dir): puts the artifacts into the build context
    source: tuple = ()  # what the inputs are made from, part of the cache key

    @property
    def repository(self):
        return self.name.rsplit(":", 1)[0]

    @property
    def tag(self):
        return self.name.rsplit(":", 1)[1]


def _rootfs_input(release, packages, title):
    def put(context):
        tarball = artifacts.rootfs(release, packages, title)
        _link(tarball, context / "rootfs.tar")

    return put


def _kafka_input(version):
    def put(context):
        libs = artifacts.kafka_libs(version)
        shutil.copytree(libs, context / "libs", copy_function=os.link)
        kafka_scripts.write_scripts(context / "bin", artifacts.jar_classes(libs), version)

    return put


def _traefik_input(context):
    binary = artifacts.traefik_binary()
    _link(binary, context / "traefik")


def _link(source, destination):
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _rootfs_image(name, recipe, release, packages):
    return Image(name, recipe, inputs=_rootfs_input(release, packages, recipe), source=(release, *packages))


CATALOGUE = [
    _rootfs_image("eda-lab/instance:debian-12", "instance", "12", artifacts.INSTANCE_PACKAGES),
    _rootfs_image("eda-lab/instance:debian-13", "instance", "13", artifacts.INSTANCE_PACKAGES),
    _rootfs_image("eda-lab/slim:debian-13", "slim", "13", artifacts.SLIM_PACKAGES),
    Image("eda-lab/jre:21", "jre", parent="eda-lab/slim:debian-13"),
    *[
        Image(
            versions.kafka_image(version),
            "kafka",
            parent="eda-lab/jre:21",
            args={"KAFKA_VERSION": version},
            inputs=_kafka_input(version),
            source=tuple(map(str, artifacts.kafka_coordinates(version))) + (Path(kafka_scripts.__file__).read_text(encoding="utf-8"),),
        )
        for version in settings.KAFKA_VERSIONS
    ],
    Image(
        versions.TRAEFIK_IMAGE, "traefik", parent="eda-lab/slim:debian-13", inputs=_traefik_input, source=(settings.TRAEFIK_VERSION,)
    ),
    # Debian's package must be the version the tag names: the build checks it.
    Image(versions.PROMETHEUS_IMAGE, "prometheus", parent="eda-lab/slim:debian-13", args={"VERSION": settings.PROMETHEUS_TAG[1:]}),
    Image(
        versions.ALERTMANAGER_IMAGE,
        "alertmanager",
        parent="eda-lab/slim:debian-13",
        args={"VERSION": settings.ALERTMANAGER_TAG[1:]},
    ),
    Image(f"python:{settings.PYTHON_TAG}", "python", parent="eda-lab/slim:debian-13"),
    Image(f"busybox:{settings.BUSYBOX_TAG}", "busybox", parent="eda-lab/slim:debian-13", args={"VERSION": settings.BUSYBOX_TAG}),
]
BY_NAME = {image.name: image for image in CATALOGUE}


def select(names):
    """The images asked for, with the parents they need, in build order."""
    if not names:
        return list(CATALOGUE)
    unknown = [name for name in names if name not in BY_NAME]
    if unknown:
        raise progress.LabError(f"unknown image(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    wanted = set()
    for name in names:
        while name:
            wanted.add(name)
            name = BY_NAME[name].parent
    return [image for image in CATALOGUE if image.name in wanted]


def recipe_hash(image):
    """Hash of the recipe folder, the build arguments, the inputs' source and the parent's hash."""
    sha = hashlib.sha256()
    folder = settings.RECIPES / image.recipe
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            sha.update(str(path.relative_to(folder)).encode())
            sha.update(path.read_bytes())
    sha.update(json.dumps(image.args, sort_keys=True).encode())
    sha.update(json.dumps(image.source).encode())
    if image.parent:
        sha.update(recipe_hash(BY_NAME[image.parent]).encode())
    return sha.hexdigest()[:16]


def local_key(name):
    result = engine.docker("image", "inspect", "--format", f'{{{{index .Config.Labels "{KEY_LABEL}"}}}}', name, check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def build(image, key):
    context = settings.CACHE / "contexts" / image.name.replace("/", "_").replace(":", "_")
    shutil.rmtree(context, ignore_errors=True)
    shutil.copytree(settings.RECIPES / image.recipe, context)
    if image.inputs:
        image.inputs(context)
    command = ["docker", "build", "--label", f"{KEY_LABEL}={key}", "-t", image.name]
    for name, value in image.args.items():
        command += ["--build-arg", f"{name}={value}"]
    # The Debian engine (20.10) has no BuildKit worker by default; the legacy builder is enough.
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    progress.run_logged(f"docker build {image.name}", [*command, str(context)], "build-" + context.name, env=env)
    shutil.rmtree(context, ignore_errors=True)


def registry_name(image, address):
    # Docker Hub's single names live under library/ in a mirror.
    repository = image.repository if "/" in image.repository else f"library/{image.repository}"
    return f"{address}:{settings.REGISTRY_PORT}/{repository}:{image.tag}"


def registry_has(image, address, key):
    name = registry_name(image, address)
    repository, tag = name.split("/", 1)[1].rsplit(":", 1)
    url = f"http://{address}:{settings.REGISTRY_PORT}/v2/{repository}/manifests/{tag}"
    request = urllib.request.Request(url, method="HEAD", headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 200:
                return False
    except (urllib.error.URLError, OSError):
        return False
    marker = settings.CACHE / "pushed" / name.replace("/", "_")
    return marker.exists() and marker.read_text(encoding="utf-8") == key


def push(image, address, key):
    name = registry_name(image, address)
    engine.docker("tag", image.name, name)
    progress.run_logged(f"push {image.name}", ["docker", "push", name], "push-" + name.split("/", 1)[1].replace("/", "_").replace(":", "_"))
    marker = settings.CACHE / "pushed" / name.replace("/", "_")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(key, encoding="utf-8")


def ensure(images, address, steps):
    for image in images:
        key = recipe_hash(image)
        steps.start(f"image {image.name}")
        if local_key(image.name) == key:
            progress.say("    cached")
        else:
            build(image, key)
        if not registry_has(image, address, key):
            push(image, address, key)


def status(address):
    rows = []
    for image in CATALOGUE:
        key = recipe_hash(image)
        rows.append(
            (
                image.name,
                "built" if local_key(image.name) == key else "missing or stale",
                "pushed" if registry_has(image, address, key) else "not pushed",
            )
        )
    return rows
