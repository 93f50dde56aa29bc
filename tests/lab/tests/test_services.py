"""Traefik, Prometheus with the JMX exporter, Alertmanager, Python and the registry itself."""

import json
import urllib.request

from tests.containers import docker, free_port, single_broker_options
from tests.lab import images, services, settings

from .conftest import http_get, wait_until

KAFKA_4 = settings.KAFKA_VERSIONS[0]


def test_every_image_is_served_under_its_official_name(registry_url):
    catalog = json.loads(urllib.request.urlopen(f"{registry_url}/v2/_catalog", timeout=10).read())["repositories"]
    for image in images.CATALOGUE:
        repository = image.repository if "/" in image.repository else f"library/{image.repository}"
        assert repository in catalog, f"{image.name} is not in the lab registry"
        tags = json.loads(urllib.request.urlopen(f"{registry_url}/v2/{repository}/tags/list", timeout=10).read())["tags"]
        assert image.tag in tags


def test_traefik_routes_http_to_a_backend(lab):
    network = lab.network()
    lab.run(
        "backend",
        f"busybox:{settings.BUSYBOX_TAG}",
        "sh",
        "-c",
        "mkdir -p /www && echo backend-ok > /www/index.html && exec httpd -f -p 8080 -h /www",
        options=["--network", network, "--network-alias", "backend"],
    )
    port = free_port()
    dynamic = (
        "http:\n  routers:\n    r:\n      rule: PathPrefix(`/`)\n      service: s\n"
        "  services:\n    s:\n      loadBalancer:\n        servers:\n          - url: http://backend:8080\n"
    )
    traefik = lab.run(
        "traefik",
        f"traefik:{settings.TRAEFIK_VERSION}",
        "sh",
        "-c",
        'printf "%s" "$0" > /tmp/dynamic.yml && exec /entrypoint.sh --entrypoints.web.address=:80 --providers.file.filename=/tmp/dynamic.yml',
        dynamic,
        options=["--network", network, "-p", f"127.0.0.1:{port}:80", "--entrypoint", ""],
    )
    body = wait_until(f"{traefik} routing to the backend", lambda: http_get(f"http://127.0.0.1:{port}/"), timeout=60)
    assert body.strip() == "backend-ok"
    assert settings.TRAEFIK_VERSION.lstrip("v") in docker("exec", traefik, "traefik", "version").stdout


# The usual Kafka rule shape: kafka.server<type=X, name=Y><>Value -> kafka_server_x_y.
JMX_RULES = "lowercaseOutputName: true\nrules:\n  - pattern: 'kafka.server<type=(.+), name=(.+)><>Value'\n    name: kafka_server_$1_$2\n    type: GAUGE\n"


def test_prometheus_scrapes_the_kafka_jmx_exporter(lab):
    network = lab.network()
    agent = services.ARTIFACTS / settings.JMX_EXPORTER_JAR
    start = 'printf "%s" "$0" > /tmp/rules.yml && export KAFKA_OPTS="-javaagent:/opt/jmx/agent.jar=7071:/tmp/rules.yml" && exec /etc/kafka/docker/run'
    lab.run(
        "jmxbroker",
        f"apache/kafka:{KAFKA_4}",
        "bash",
        "-c",
        start,
        JMX_RULES,
        options=[
            "--network",
            network,
            "--network-alias",
            "broker",
            "-v",
            f"{agent}:/opt/jmx/agent.jar:ro",
            *single_broker_options("broker:9092", heap="-Xmx384m"),
        ],
    )
    config = "global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: kafka\n    static_configs:\n      - targets: ['broker:7071']\n"
    port = free_port()
    prometheus = lab.run(
        "prometheus",
        f"prom/prometheus:{settings.PROMETHEUS_TAG}",
        "sh",
        "-c",
        'printf "%s" "$0" > /tmp/prometheus.yml && exec /usr/bin/prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/prometheus',
        config,
        options=["--network", network, "-p", f"127.0.0.1:{port}:9090", "--entrypoint", ""],
    )
    query = f"http://127.0.0.1:{port}/api/v1/query?query=kafka_server_replicamanager_underreplicatedpartitions"

    def scraped():
        body = http_get(query)
        return body and json.loads(body)["data"]["result"]

    result = wait_until(f"{prometheus} scraping the broker's JMX exporter", scraped, timeout=240, interval=3)
    assert result[0]["value"][1] == "0"


def test_alertmanager_python_and_busybox_run(lab):
    port = free_port()
    alertmanager = lab.run("alertmanager", f"prom/alertmanager:{settings.ALERTMANAGER_TAG}", options=["-p", f"127.0.0.1:{port}:9093"])
    assert wait_until(f"{alertmanager} ready", lambda: http_get(f"http://127.0.0.1:{port}/-/ready"), timeout=60)
    python = docker("run", "--rm", f"python:{settings.PYTHON_TAG}", "python", "-c", "import sys; print(sys.version_info[:2])")
    assert python.stdout.strip() == "(3, 13)"
    assert docker("run", "--rm", f"busybox:{settings.BUSYBOX_TAG}", "echo", "ok").stdout.strip() == "ok"
