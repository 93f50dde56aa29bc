# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The event gateway's Kafka client, chosen on figures: kafka-python, aiokafka and confluent-kafka in one run.

One KRaft broker from the lab's image on a network of its own, with a fixed address the host
reaches directly (no port proxy in between). Each client produces the same records (1 KiB by
default) to a topic of its own, acks=all, idempotent, linger.ms=5, from this process, and the
time runs from the first send to the last acknowledgement. kafka-python (the modules' client) is
the baseline: every rate is printed with its ratio to kafka-python's, measured in the same run.
confluent-kafka runs twice: bare (produce, flush) and inside the gateway's own producer class (a
thread polls delivery reports and hands them to the asyncio loop, records sent as requests of 100),
which is the gateway's Kafka path without HTTP. The last row is the whole gateway process (aiohttp in,
confluent-kafka out) loaded from this process with 8 connections posting 100 records each
(JSON format); load generator and gateway share the two cores, so it is a floor, not the aim's figure.

    python benchmarks/gateway_clients.py [--messages 100000] [--size 1024] [--rounds 1]
"""

import argparse
import asyncio
import functools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench import confluent_rate, library_version, new_topic, wait_ready  # noqa: E402
from tests import collection_root, versions  # noqa: E402
from tests.containers import remove_benchmark_broker, start_benchmark_broker  # noqa: E402

NETWORK, SUBNET, ADDRESS = "edabench-gwclients", "172.30.98.0/24", "172.30.98.10"
BROKER = "edabench-gwclients-broker"
BOOTSTRAP = f"{ADDRESS}:9092"
PARTITIONS = 3
BATCH = 100
CONNECTIONS = 8
GATEWAY = collection_root.SERVICES
sys.path.insert(0, str(GATEWAY))


def kafka_python_rate(topic, messages, payload):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True, linger_ms=5, batch_size=65536)
    producer.send(topic, b"warm-up").get(30)
    started = time.perf_counter()
    for number in range(messages):
        producer.send(topic, payload)
    producer.flush(600)
    elapsed = time.perf_counter() - started
    producer.close()
    return messages / elapsed


async def aiokafka_run(topic, messages, payload):
    from aiokafka import AIOKafkaProducer
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True, linger_ms=5, max_batch_size=65536)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"warm-up")
        started = time.perf_counter()
        # send() waits only for room in the accumulator; the futures it returns resolve on acknowledgement.
        pending = [await producer.send(topic, payload) for number in range(messages)]
        await asyncio.gather(*pending)
        return messages / (time.perf_counter() - started)
    finally:
        await producer.stop()


def aiokafka_rate(topic, messages, payload):
    return asyncio.run(aiokafka_run(topic, messages, payload))


async def gateway_run(topic, messages, payload):
    """The gateway's own producer class (confluent-kafka behind a polling thread and asyncio futures),
    fed as requests of BATCH records, at most the gateway's default in-flight bound at a time."""
    from eda_gateway import config, producer as gateway_producer, records
    settings = config.from_data({"kafka": {"bootstrap_servers": BOOTSTRAP}, "auth": {"required": False}})
    producer = gateway_producer.Producer(settings["kafka"], settings["limits"])
    await producer.start()
    try:
        batch = [records.Record(None, payload, [], None) for number in range(BATCH)]
        await producer.produce(topic, batch[:1])
        window = settings["limits"]["max_inflight_records"] // BATCH
        started = time.perf_counter()
        pending = set()
        for number in range(messages // BATCH):
            if len(pending) >= window:
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                check_offsets(finished)
            pending.add(producer.produce(topic, batch))
        check_offsets((await asyncio.wait(pending))[0] if pending else ())
        return BATCH * (messages // BATCH) / (time.perf_counter() - started)
    finally:
        await producer.close(30)


def check_offsets(futures):
    for future in futures:
        failed = [entry for entry in future.result() if "error_code" in entry]
        if failed:
            raise SystemExit(f"gateway producer: {len(failed)} records failed: {failed[0]}")


def gateway_rate(topic, messages, payload):
    return asyncio.run(gateway_run(topic, messages, payload))


async def http_run(topic, messages, payload, url):
    """CONNECTIONS clients posting BATCH records per request (Strimzi's JSON format) to a gateway process."""
    import json
    import aiohttp
    body = json.dumps({"records": [{"value": payload.decode()} for number in range(BATCH)]})
    headers = {"Content-Type": "application/vnd.kafka.json.v2+json"}
    requests_left = [messages // BATCH]

    async def client(session):
        while requests_left[0] > 0:
            requests_left[0] -= 1
            while True:
                async with session.post(f"{url}/topics/{topic}", data=body, headers=headers) as response:
                    if response.status == 200:
                        break
                    if response.status != 429:
                        raise SystemExit(f"gateway answered {response.status}: {await response.text()}")
                    await asyncio.sleep(0.01)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS)) as session:
        started = time.perf_counter()
        await asyncio.gather(*[client(session) for number in range(CONNECTIONS)])
        return BATCH * (messages // BATCH) / (time.perf_counter() - started)


def http_rate(topic, messages, payload):
    """The whole gateway: HTTP in, Kafka out, in a process of its own; the load comes from this one."""
    import json
    import subprocess
    import tempfile
    from tests.containers import free_port
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        config = Path(work, "gateway.json")
        config.write_text(json.dumps({"listen": {"host": "127.0.0.1", "port": port}, "kafka": {"bootstrap_servers": [BOOTSTRAP]},
                                      "auth": {"required": False}}))
        process = subprocess.Popen([sys.executable, "-m", "eda_gateway", "--config", str(config)], cwd=str(GATEWAY),
                                   env=dict(os.environ, PYTHONPATH=str(GATEWAY)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(f"http://127.0.0.1:{port}/ready", process)
            return asyncio.run(http_run(topic, messages, payload, f"http://127.0.0.1:{port}"))
        finally:
            process.terminate()
            process.wait(60)


CLIENTS = [
    ("kafka-python", "kafka-python", kafka_python_rate),
    ("aiokafka", "aiokafka", aiokafka_rate),
    ("confluent-kafka", "confluent-kafka", functools.partial(confluent_rate, BOOTSTRAP)),
    ("gateway producer", "confluent-kafka", gateway_rate),
    ("gateway over HTTP", "aiohttp", http_rate),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=1, help="runs of every client, interleaved")
    arguments = parser.parse_args()
    payload = os.urandom(arguments.size // 2).hex().encode()[: arguments.size]
    remove_benchmark_broker(NETWORK)
    start_benchmark_broker(NETWORK, SUBNET, ADDRESS, versions.KAFKA_IMAGE)
    try:
        print(f"{arguments.messages} records of {arguments.size} bytes, acks=all, idempotent, linger.ms=5, {PARTITIONS} partitions, one broker")
        print(f"{'client':>42} {'msg/s':>9} {'vs kafka-python':>16}")
        for number in range(arguments.rounds):
            baseline = None
            for name, library, rate_of in CLIENTS:
                rate = rate_of(new_topic(BROKER, BOOTSTRAP, PARTITIONS), arguments.messages, payload)
                baseline = baseline or rate
                label = f"{name} ({library} {library_version(library)})"
                print(f"{label:>42} {rate:>9.0f} {rate / baseline:>15.2f}x", flush=True)
    finally:
        remove_benchmark_broker(NETWORK)


if __name__ == "__main__":
    sys.exit(main())
