# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_verify's produce rate against Kafka's own kafka-producer-perf-test.sh, in one run.

One KRaft broker from the lab's image on a network of its own, with a fixed address the host
reaches directly (no port proxy in between), so both clients see the same broker the same way.
For each record size: the Java producer (acks=all, idempotent, as kafka_verify), then
kafka_verify (which also consumes and checks every record in a second process). Prints the
rates and the ratio; the aim is at least 0.5.

    python benchmarks/verify_throughput.py [--messages 100000] [--sizes 1024 16384]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import versions  # noqa: E402
from tests.containers import docker, remove_benchmark_broker, start_benchmark_broker  # noqa: E402

NETWORK, SUBNET, ADDRESS = "edabench-verify", "172.30.99.0/24", "172.30.99.10"
IMAGE = versions.KAFKA_IMAGE
BROKER = "edabench-verify-broker"

# The ansible CLI of the interpreter running the benchmark (the tool venv), else the one on PATH.
ANSIBLE = shutil.which("ansible", path=os.path.dirname(sys.executable)) or "ansible"


def java_producer_rate(messages, size):
    topic = f"perf-{uuid.uuid4().hex[:8]}"
    docker("exec", BROKER, "/opt/kafka/bin/kafka-topics.sh", "--bootstrap-server", f"{ADDRESS}:9092", "--create", "--topic", topic, "--partitions", "3")
    output = docker(
        "exec", "-e", "KAFKA_HEAP_OPTS=-Xmx512m", BROKER, "/opt/kafka/bin/kafka-producer-perf-test.sh", "--topic", topic,
        "--num-records", str(messages), "--record-size", str(size), "--throughput", "-1",
        "--producer-props", f"bootstrap.servers={ADDRESS}:9092", "acks=all", "enable.idempotence=true", "linger.ms=5",
        timeout=None,
    ).stdout
    last = [line for line in output.splitlines() if "records sent" in line][-1]
    return float(re.search(r"([0-9.]+) records/sec", last).group(1))


def kafka_verify_rate(messages, size):
    """Run the module the way Ansible does (ansible CLI), and read its own figures."""
    with tempfile.TemporaryDirectory() as work:
        args = json.dumps(dict(bootstrap_servers=[f"{ADDRESS}:9092"], messages=messages, message_size=size, timeout=600))
        output = subprocess.run(
            [ANSIBLE, "localhost", "-m", "eda.platform.kafka_verify", "-a", args, "-o"],
            capture_output=True, text=True, check=False, cwd=work, env=dict(os.environ, ANSIBLE_LOCALHOST_WARNING="false"),
        ).stdout
    result = json.loads(output.split("=>", 1)[1])
    if not result.get("ok"):
        raise SystemExit(f"kafka_verify failed: {result.get('msg')}")
    return result["throughput"]["messages_per_second"], result["latency_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 16384])
    arguments = parser.parse_args()
    remove_benchmark_broker(NETWORK)
    start_benchmark_broker(NETWORK, SUBNET, ADDRESS, IMAGE)
    try:
        print(f"{'record size':>12} {'perf-test msg/s':>16} {'kafka_verify msg/s':>19} {'ratio':>6}  kafka_verify latency ms (p50/p99)")
        for size in arguments.sizes:
            messages = arguments.messages if size <= 4096 else max(1000, arguments.messages // 8)
            java = java_producer_rate(messages, size)
            verify, latency = kafka_verify_rate(messages, size)
            print(f"{size:>12} {java:>16.0f} {verify:>19.0f} {verify / java:>6.2f}  {latency['p50']}/{latency['p99']}", flush=True)
    finally:
        remove_benchmark_broker(NETWORK)


if __name__ == "__main__":
    sys.exit(main())
