# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Containers for the lab's acceptance tests, the integration tests and the benchmarks.

One docker() helper (the CLI), free ports, and the environment of a one-node KRaft broker
(broker and controller in one process) from the apache/kafka image. Standard library only:
the lab runs on the machine's python3.
"""

import socket
import subprocess
import time

# Heap of a test broker: several run at once on a two-core machine.
BROKER_HEAP = "-Xmx320m -Xms128m"
BROKER_PORT = 9092


def docker(*args, check=True, timeout=300):
    """Run `docker ARGS`; with check, a failure raises AssertionError with the command and its error."""
    result = subprocess.run(["docker", *args], capture_output=True, text=True, errors="replace", timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed (rc {result.returncode}): {result.stderr or result.stdout}")
    return result


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(count):
    """COUNT distinct free ports: each socket stays bound until all are picked, so that the
    kernel cannot hand out one port twice (free_port() called twice can)."""
    sockets = []
    try:
        while len(sockets) < count:
            sockets.append(socket.socket())
            sockets[-1].bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def single_broker_environment(advertised, heap=BROKER_HEAP, internal=False):
    """The KAFKA_* variables of a one-node KRaft broker+controller that listens on port 9092 of
    the container (PLAINTEXT) and gives clients `advertised` (host:port) as its address.

    internal adds an INTERNAL listener on port 19092, advertised as localhost:19092 and used
    between brokers, for the image's CLI tools run inside the container with docker exec.
    """
    listeners = [f"PLAINTEXT://:{BROKER_PORT}", "CONTROLLER://:9093"]
    advertised_listeners = [f"PLAINTEXT://{advertised}"]
    protocols = ["CONTROLLER:PLAINTEXT", "PLAINTEXT:PLAINTEXT"]
    environment = {}
    if internal:
        listeners.append("INTERNAL://:19092")
        advertised_listeners.append("INTERNAL://localhost:19092")
        protocols.append("INTERNAL:PLAINTEXT")
        environment["KAFKA_INTER_BROKER_LISTENER_NAME"] = "INTERNAL"
    environment.update(
        {
            "KAFKA_NODE_ID": "1",
            "KAFKA_PROCESS_ROLES": "broker,controller",
            "KAFKA_LISTENERS": ",".join(listeners),
            "KAFKA_ADVERTISED_LISTENERS": ",".join(advertised_listeners),
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": ",".join(protocols),
            "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
            "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
            "KAFKA_LOG_DIRS": "/var/lib/kafka/data",
            "KAFKA_HEAP_OPTS": heap,
        }
    )
    return environment


def environment_options(environment):
    """`docker run` options that set the variables: ["-e", "NAME=value", ...]."""
    return [item for name, value in environment.items() for item in ("-e", f"{name}={value}")]


def single_broker_options(advertised, heap=BROKER_HEAP, internal=False):
    """`docker run -e` options of single_broker_environment()."""
    return environment_options(single_broker_environment(advertised, heap, internal))


def start_benchmark_broker(name, subnet, address, image, heap="-Xmx1g"):
    """A one-node broker for a benchmark: container NAME-broker with a fixed address on network
    NAME (subnet), which the host reaches directly, with no port proxy in between to measure.
    Returns its bootstrap address once the broker answers; SystemExit with its log if it does not."""
    bootstrap = f"{address}:{BROKER_PORT}"
    docker("network", "create", "--subnet", subnet, name)
    docker("run", "-d", "--name", f"{name}-broker", "--network", name, "--ip", address, *single_broker_options(bootstrap, heap=heap), image)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        probe = docker("exec", f"{name}-broker", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", bootstrap, check=False)
        if probe.returncode == 0:
            return bootstrap
        time.sleep(2)
    raise SystemExit("the benchmark broker did not start:\n" + docker("logs", "--tail", "30", f"{name}-broker", check=False).stdout)


def remove_benchmark_broker(name):
    """Remove what start_benchmark_broker(name, ...) made, if anything."""
    docker("rm", "-f", "-v", f"{name}-broker", check=False)
    docker("network", "rm", name, check=False)
