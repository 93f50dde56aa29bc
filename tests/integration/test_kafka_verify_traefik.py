# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_verify through Traefik's Kafka (TCP) entrypoint, the path playbooks/verify.yml checks."""

import time

import pytest

from tests import versions
from tests.containers import docker, free_port, single_broker_options
from tests.integration import kafka_cluster

# One TCP router per broker: Kafka is not HTTP, so no Host() rule; HostSNI(`*`) matches plain TCP.
DYNAMIC = """tcp:
  routers:
    kafka:
      entryPoints: [kafka]
      rule: HostSNI(`*`)
      service: kafka
  services:
    kafka:
      loadBalancer:
        servers:
          - address: {broker}:9092
"""


@pytest.fixture
def broker_behind_traefik():
    """A broker that advertises Traefik's address, so every client connection goes through it."""
    name = kafka_cluster.run_id() + "-traefik"
    port = free_port()
    docker("network", "create", name)
    try:
        options = single_broker_options("127.0.0.1:%d" % port)
        docker("run", "-d", "--name", name + "-broker", "--network", name, "--network-alias", "broker", *options, versions.KAFKA_IMAGE)
        start = 'printf "%s" "$0" > /tmp/dynamic.yml && exec traefik --entrypoints.kafka.address=:9094 --providers.file.filename=/tmp/dynamic.yml'
        docker("run", "-d", "--name", name + "-traefik", "--network", name, "-p", "127.0.0.1:%d:9094" % port, "--entrypoint", "",
               versions.TRAEFIK_IMAGE, "sh", "-c", start, DYNAMIC.format(broker="broker"))
        yield "127.0.0.1:%d" % port
    finally:
        docker("rm", "-f", "-v", name + "-broker", name + "-traefik", check=False)
        docker("network", "rm", name, check=False)


def test_kafka_verify_through_traefik(broker_behind_traefik, module):
    args = dict(bootstrap_servers=[broker_behind_traefik], connect_timeout=5, messages=1000)
    deadline = time.monotonic() + 180
    result = module("kafka_verify", args, check=True)
    while result["rc"] != 0 and time.monotonic() < deadline:
        time.sleep(2)
        result = module("kafka_verify", args, check=True)
    assert result["rc"] == 0, result.get("msg")
    assert result["brokers"] == [dict(node_id=1, host="127.0.0.1", port=int(broker_behind_traefik.rsplit(":", 1)[1]))]
    verified = module("kafka_verify", args)
    assert verified["rc"] == 0, verified.get("msg")
    assert verified["messages"]["consumed"] == 1000 and verified["ok"]
