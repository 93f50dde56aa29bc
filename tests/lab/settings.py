"""Versions, names and paths of the lab, in one place.

The versions of the images a role runs come from the role defaults (tests/versions.py); the
ones written here are the lab's own (build inputs, and images no role defaults to).
"""

import os
from pathlib import Path

from tests import versions

CACHE = Path(os.environ.get("EDA_LAB_CACHE", Path.home() / ".cache" / "eda-platform" / "lab"))
LOGS = CACHE / "logs"
RECIPES = Path(__file__).resolve().parent / "recipes"

# Debian packages the lab needs on the machine itself.
HOST_PACKAGES = ["docker.io", "docker-registry", "kcat", "debootstrap", "iproute2"]

REGISTRY_PORT = 5000
ARTIFACT_PORT = 5001
DOCKERD_LOG = Path("/var/log/eda-lab-dockerd.log")

DEBIAN_RELEASES = {"12": "bookworm", "13": "trixie"}
KAFKA_VERSIONS = versions.KAFKA_VERSIONS
SCALA = "2.13"
LOG4J2_VERSION = "2.25.5"  # log4j-slf4j-impl: Kafka 4.x POMs leave the binding out
# The role default: the last javaagent release published to Maven Central.
JMX_EXPORTER_VERSION = versions.JMX_EXPORTER_VERSION
TRAEFIK_VERSION = versions.TRAEFIK_VERSION
PROMETHEUS_TAG = versions.PROMETHEUS_TAG
ALERTMANAGER_TAG = versions.ALERTMANAGER_TAG
# The base the services' image is built on (the container role's defaults hold the tag).
PYTHON_TAG = versions.PYTHON_TAG
# No role defaults to this one (busybox: Molecule's docker scenario).
BUSYBOX_TAG = "1.37.0"

JMX_EXPORTER_JAR = f"jmx_prometheus_javaagent-{JMX_EXPORTER_VERSION}.jar"
