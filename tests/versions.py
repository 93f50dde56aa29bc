# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The image versions, read from the roles' defaults: the one place they are written.

The lab, the tests and the benchmarks import them from here; tests/unit/test_versions.py fails
when anything else writes one down or disagrees. Needs only the standard library and PyYAML
(the machine's python3 has it; the lab uses nothing else).
"""

from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parent.parent / "roles"


def role_defaults(role):
    """The role's defaults/main.yml as data (templated values stay strings)."""
    return yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text(encoding="utf-8")) or {}


def tag(image):
    return image.rsplit(":", 1)[1]


_KAFKA = role_defaults("kafka")
_TRAEFIK = role_defaults("traefik")
_MONITORING = role_defaults("monitoring")

KAFKA_IMAGE_NAME = _KAFKA["kafka_image_name"]
KAFKA_KRAFT_VERSION = _KAFKA["kafka_kraft_version"]
KAFKA_ZOOKEEPER_MODE_VERSION = _KAFKA["kafka_zookeeper_mode_version"]
KAFKA_VERSIONS = [KAFKA_KRAFT_VERSION, KAFKA_ZOOKEEPER_MODE_VERSION]
JMX_EXPORTER_VERSION = _KAFKA["kafka_jmx_exporter_version"]
ZOOKEEPER_IMAGE = role_defaults("zookeeper")["zookeeper_image"]

TRAEFIK_VERSION = _TRAEFIK["traefik_version"]
TRAEFIK_IMAGE = f"{_TRAEFIK['traefik_image_name']}:{TRAEFIK_VERSION}"

PROMETHEUS_IMAGE = _MONITORING["monitoring_prometheus_image"]
ALERTMANAGER_IMAGE = _MONITORING["monitoring_alertmanager_image"]
GRAFANA_IMAGE = _MONITORING["monitoring_grafana_image"]
PROMETHEUS_TAG = tag(PROMETHEUS_IMAGE)

# The base the services' image is built on (the lab builds a stand-in under this name).
SERVICES_BASE_IMAGE = role_defaults("container")["container_services_base_image"]
PYTHON_TAG = tag(SERVICES_BASE_IMAGE)
ALERTMANAGER_TAG = tag(ALERTMANAGER_IMAGE)


def kafka_image(version=KAFKA_KRAFT_VERSION):
    """apache/kafka:<version>; by default the KRaft release the kafka role runs."""
    return f"{KAFKA_IMAGE_NAME}:{version}"


KAFKA_IMAGE = kafka_image()
