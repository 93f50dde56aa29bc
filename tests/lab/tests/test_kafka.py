"""The Kafka stand-ins start like the official image and serve real clients (Debian's kcat)."""

import subprocess
import uuid

from tests.containers import docker, free_port, single_broker_options
from tests.lab import settings

from .conftest import wait_until

KAFKA_4, KAFKA_3 = settings.KAFKA_VERSIONS


def kcat(*args, stdin=None):
    return subprocess.run(["kcat", *args], input=stdin, capture_output=True, text=True, timeout=60, check=False)


def metadata_lists_broker(bootstrap):
    result = kcat("-b", bootstrap, "-L", "-m", "5")
    return result.returncode == 0 and "1 brokers:" in result.stdout and result.stdout


def round_trip(bootstrap):
    """Produce three messages, consume them back; return what came back."""
    topic = f"lab-{uuid.uuid4().hex[:8]}"
    sent = [f"message-{index}" for index in range(3)]
    produced = kcat("-b", bootstrap, "-P", "-t", topic, "-X", "allow.auto.create.topics=true", stdin="\n".join(sent) + "\n")
    assert produced.returncode == 0, produced.stderr
    consumed = kcat("-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-c", "3", "-m", "30")
    assert consumed.returncode == 0, consumed.stderr
    return consumed.stdout.split(), sent


def test_kraft_broker_from_the_4x_image(lab):
    """The documented start-up path: KAFKA_* variables, CLUSTER_ID, storage formatted on first start."""
    port = free_port()
    broker = lab.run(
        "kraft",
        f"apache/kafka:{KAFKA_4}",
        options=[
            "-p",
            f"127.0.0.1:{port}:9092",
            *single_broker_options(f"127.0.0.1:{port}", heap="-Xmx384m", internal=True),
            "-e",
            "CLUSTER_ID=eda-lab-test-cluster-01",
        ],
    )
    bootstrap = f"127.0.0.1:{port}"
    wait_until(f"{broker} answering metadata", lambda: metadata_lists_broker(bootstrap), timeout=180)
    received, sent = round_trip(bootstrap)
    assert received == sent
    # The image's own tools work inside the container, against the internal listener.
    topics = docker("exec", broker, "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", "localhost:19092", "--list")
    assert "lab-" in topics.stdout
    storage = docker("exec", broker, "cat", "/var/lib/kafka/data/meta.properties").stdout
    assert "cluster.id=eda-lab-test-cluster-01" in storage
    assert docker("exec", broker, "id", "-u").stdout.strip() == "1000"


ZOOKEEPER_PROPERTIES = "dataDir=/var/lib/kafka/data/zookeeper\nclientPort=2181\nadmin.enableServer=false\n"
ZK_BROKER_PROPERTIES = """broker.id=1
zookeeper.connect={zookeeper}:2181
listeners=PLAINTEXT://:9092,INTERNAL://:19092
advertised.listeners=PLAINTEXT://127.0.0.1:{port},INTERNAL://localhost:19092
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT
inter.broker.listener.name=INTERNAL
log.dirs=/var/lib/kafka/data/logs
offsets.topic.replication.factor=1
"""


def write_and_start(script, properties):
    return ["bash", "-c", f'printf "%s" "$0" > /tmp/lab.properties && exec /opt/kafka/bin/{script} /tmp/lab.properties', properties]


def test_zookeeper_mode_broker_from_the_39_image(lab):
    """ZooKeeper and a ZooKeeper-mode broker, both from the 3.9 image (Kafka's own start scripts)."""
    network = lab.network()
    zookeeper = lab.run(
        "zookeeper",
        f"apache/kafka:{KAFKA_3}",
        *write_and_start("zookeeper-server-start.sh", ZOOKEEPER_PROPERTIES),
        options=["--network", network, "--network-alias", "zookeeper", "-e", "KAFKA_HEAP_OPTS=-Xmx128m"],
    )
    port = free_port()
    broker = lab.run(
        "zkbroker",
        f"apache/kafka:{KAFKA_3}",
        *write_and_start("kafka-server-start.sh", ZK_BROKER_PROPERTIES.format(zookeeper="zookeeper", port=port)),
        options=["--network", network, "-p", f"127.0.0.1:{port}:9092", "-e", "KAFKA_HEAP_OPTS=-Xmx384m"],
    )
    bootstrap = f"127.0.0.1:{port}"
    wait_until(f"{broker} (with {zookeeper}) answering metadata", lambda: metadata_lists_broker(bootstrap), timeout=180)
    received, sent = round_trip(bootstrap)
    assert received == sent
    registered = docker("exec", zookeeper, "/opt/kafka/bin/zookeeper-shell.sh", "localhost:2181", "ls", "/brokers/ids")
    assert "[1]" in registered.stdout
