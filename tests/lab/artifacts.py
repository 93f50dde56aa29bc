"""Things the images are built from: Debian root filesystems, Maven jars, the Traefik binary.

Each artifact lives in the cache under a name that includes a hash of how it was made,
so a changed recipe makes a new one and an unchanged one is reused as is.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

from . import progress, settings, sources

# systemd as PID 1 and what Ansible and the docker role need on a Molecule instance.
INSTANCE_PACKAGES = [
    "systemd",
    "systemd-sysv",
    "dbus",
    "python3",
    "python3-apt",
    "python3-debian",
    "ca-certificates",
    "gnupg",
    "iproute2",
    "procps",
    "sudo",
]
# The small base of the service images (JRE, Prometheus, Alertmanager, Python).
SLIM_PACKAGES = ["ca-certificates", "netbase", "tzdata"]


def digest(*parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _cached(path):
    return path.exists() and (path.is_file() or any(path.iterdir()))


def rootfs(release, packages, title):
    """A Debian root filesystem tarball made by debootstrap from the machine's own mirror."""
    codename = settings.DEBIAN_RELEASES[release]
    target = settings.CACHE / "rootfs" / f"debian-{release}-{digest(codename, packages)}.tar"
    if _cached(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eda-rootfs-") as work:
        tree = Path(work) / "tree"
        command = ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", codename, str(tree), sources.debian_mirror()]
        progress.run_logged(f"debootstrap {codename} ({title})", command, f"debootstrap-{codename}-{title}")
        partial = target.with_suffix(".partial")
        progress.run_logged(
            f"pack {codename} root filesystem", ["tar", "--numeric-owner", "-C", str(tree), "-cf", str(partial), "."], f"tar-{codename}-{title}"
        )
        partial.rename(target)
    return target


def _maven(title, log_name, arguments, work):
    command = ["mvn", "-B", "-q", "-f", str(work / "pom.xml"), *arguments]
    progress.run_logged(title, command, log_name, hint="check the Maven settings (~/.m2/settings.xml) and that the version is served")


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>eda.lab</groupId><artifactId>{name}</artifactId><version>1</version>
  <dependencies>
{dependencies}
  </dependencies>
</project>
"""


def _pom(name, coordinates):
    dependencies = "\n".join(
        f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version></dependency>"
        for group, artifact, version in coordinates
    )
    return POM.format(name=name, dependencies=dependencies)


def kafka_coordinates(version):
    coordinates = [
        ("org.apache.kafka", f"kafka_{settings.SCALA}", version),
        ("org.apache.kafka", "kafka-tools", version),
    ]
    if version.startswith("4."):
        coordinates.append(("org.apache.logging.log4j", "log4j-slf4j-impl", settings.LOG4J2_VERSION))
    return coordinates


def kafka_libs(version):
    """Kafka's runtime classpath (all jars) copied from Maven Central through the machine's Maven."""
    coordinates = kafka_coordinates(version)
    target = settings.CACHE / "maven" / f"kafka-{version}-{digest(coordinates)}"
    if _cached(target / "libs"):
        return target / "libs"
    target.mkdir(parents=True, exist_ok=True)
    (target / "pom.xml").write_text(_pom(f"kafka-{version}", coordinates), encoding="utf-8")
    partial = target / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    _maven(
        f"fetch Kafka {version} jars",
        f"maven-kafka-{version}",
        ["dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={partial}"],
        target,
    )
    partial.rename(target / "libs")
    return target / "libs"


def jar_classes(libs):
    """Every class name found in the jars of a classpath directory."""
    names = set()
    for jar in Path(libs).glob("*.jar"):
        with zipfile.ZipFile(jar) as archive:
            names.update(entry[:-6].replace("/", ".") for entry in archive.namelist() if entry.endswith(".class"))
    return names


def jmx_exporter():
    """The Prometheus JMX exporter javaagent jar."""
    target = settings.CACHE / "maven" / "jmx-exporter"
    jar = target / settings.JMX_EXPORTER_JAR
    if jar.exists():
        return jar
    target.mkdir(parents=True, exist_ok=True)
    (target / "pom.xml").write_text(_pom("jmx-exporter", []), encoding="utf-8")
    artifact = f"io.prometheus.jmx:jmx_prometheus_javaagent:{settings.JMX_EXPORTER_VERSION}"
    _maven(
        "fetch the JMX exporter javaagent", "maven-jmx-exporter", ["dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={target}"], target
    )
    return jar


def _traefik_target():
    return settings.CACHE / "bin" / f"traefik-{settings.TRAEFIK_VERSION}"


# The build started by start_traefik_build: its thread, and its outcome once it ends.
_TRAEFIK_BUILD = {}


def start_traefik_build():
    """Build Traefik in the background when it is not cached.

    The Go build keeps both cores busy for minutes on a cold cache, while the root
    filesystems and Maven downloads built before it mostly wait on the network: side by side,
    a cold lab is ready minutes sooner. traefik_binary() waits for it and raises its error.
    """
    if _traefik_target().exists() or "thread" in _TRAEFIK_BUILD:
        return

    def build():
        try:
            _TRAEFIK_BUILD["binary"] = _build_traefik()
        except Exception as error:  # noqa: BLE001 - traefik_binary raises it in the main thread
            _TRAEFIK_BUILD["error"] = error

    # A daemon thread: Ctrl-C ends the lab at once (the go build is in the same process group).
    _TRAEFIK_BUILD["thread"] = threading.Thread(target=build, name="traefik-build", daemon=True)
    _TRAEFIK_BUILD["thread"].start()


def traefik_binary():
    """The Traefik binary: from the cache, from the background build, or built now."""
    if "thread" in _TRAEFIK_BUILD:
        _TRAEFIK_BUILD["thread"].join()
        if "error" in _TRAEFIK_BUILD:
            raise _TRAEFIK_BUILD["error"]
        return _TRAEFIK_BUILD["binary"]
    target = _traefik_target()
    return target if target.exists() else _build_traefik()


def _build_traefik():
    """Traefik built from its module source (go install fails on its replace directives)."""
    version = settings.TRAEFIK_VERSION
    target = _traefik_target()
    target.parent.mkdir(parents=True, exist_ok=True)
    module = f"github.com/traefik/traefik/v3@{version}"
    download = subprocess.run(["go", "mod", "download", "-json", module], capture_output=True, text=True, check=False)
    if download.returncode != 0:
        raise progress.LabError(
            f"go mod download {module} failed:\n{download.stdout[-2000:]}{download.stderr[-2000:]}\n"
            "  what to do: check `go env GOPROXY` and that the version is served"
        )
    source_dir = json.loads(download.stdout)["Dir"]
    with tempfile.TemporaryDirectory(prefix="eda-traefik-") as work:
        tree = Path(work) / "traefik"
        shutil.copytree(source_dir, tree)
        os.chmod(tree, 0o755)
        for path in tree.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
        env = dict(os.environ, CGO_ENABLED="0")
        ldflags = f"-s -w -X github.com/traefik/traefik/v3/pkg/version.Version={version}"
        partial = target.with_suffix(".partial")
        progress.run_logged(
            f"go build traefik {version} (long when the Go cache is cold)",
            ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(partial), "./cmd/traefik"],
            "go-build-traefik",
            cwd=tree,
            env=env,
        )
        partial.rename(target)
    return target
