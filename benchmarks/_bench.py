# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""What the gateway's benchmarks share: a topic on the benchmark broker, the bare librdkafka
producer rate (the native baseline), a library's version and a service process's readiness.

Standard library at import; confluent-kafka only inside confluent_rate().
"""

import time
import urllib.request
import uuid

from tests.containers import docker


def new_topic(broker, bootstrap, partitions, prefix="gw"):
    """A new topic of PARTITIONS partitions on the benchmark broker (container BROKER); its name."""
    topic = f"{prefix}-{uuid.uuid4().hex[:8]}"
    docker("exec", broker, "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", bootstrap, "--create", "--topic", topic,
           "--partitions", str(partitions))
    return topic


def confluent_rate(bootstrap, topic, messages, payload):
    """librdkafka with nothing around it: produce(), poll(0) when its queue is full, flush(); records/s."""
    import confluent_kafka
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 5})
    producer.produce(topic, b"warm-up")
    producer.flush(30)
    started = time.perf_counter()
    for number in range(messages):
        while True:
            try:
                producer.produce(topic, payload)
                break
            except BufferError:
                producer.poll(0.01)
    producer.flush(600)
    return messages / (time.perf_counter() - started)


def library_version(name):
    from importlib import metadata
    return metadata.version(name)


def wait_ready(url, process, timeout=60):
    """Until GET url answers 200; SystemExit when the process exits or the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if urllib.request.urlopen(url, timeout=5).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"{url} did not become ready (process rc {process.poll()})")
        time.sleep(0.2)
