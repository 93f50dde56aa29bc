"""Versions, names and paths of the lab, in one place."""

import os
from pathlib import Path

CACHE = Path(os.environ.get("EDA_LAB_CACHE", Path.home() / ".cache" / "eda-platform" / "lab"))
LOGS = CACHE / "logs"
RECIPES = Path(__file__).resolve().parent / "recipes"

# Debian packages the lab needs on the machine itself.
HOST_PACKAGES = ["docker.io", "docker-registry", "kcat", "debootstrap", "iproute2"]

REGISTRY_PORT = 5000
ARTIFACT_PORT = 5001
DOCKERD_LOG = Path("/var/log/eda-lab-dockerd.log")

DEBIAN_RELEASES = {"12": "bookworm", "13": "trixie"}
KAFKA_VERSIONS = ["4.4.0", "3.9.2"]
SCALA = "2.13"
LOG4J2_VERSION = "2.25.5"  # log4j-slf4j-impl: Kafka 4.x POMs leave the binding out
JMX_EXPORTER_VERSION = "1.0.1"  # the last javaagent release published to Maven Central
TRAEFIK_VERSION = "v3.6.12"
PROMETHEUS_TAG = "v2.53.3"
ALERTMANAGER_TAG = "v0.28.1"
PYTHON_TAG = "3.13-slim"
BUSYBOX_TAG = "1.37.0"

JMX_EXPORTER_JAR = f"jmx_prometheus_javaagent-{JMX_EXPORTER_VERSION}.jar"
