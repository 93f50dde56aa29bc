# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Produce numbered messages and prove that none the cluster acknowledged is lost.

produce: creates the topic (6 partitions, --replicas replicas (3), min.insync.replicas 2 or
         fewer with fewer replicas), then sends
         "0", "1", ... with acks=all and idempotence, at a bounded rate, until the stop file
         appears or --count messages are sent; each id the cluster acknowledges is appended
         to the acknowledged file as soon as its acknowledgement arrives.
check:   reads the topic from the beginning up to its end offsets and reports the
         acknowledged ids that are missing (and any read twice).
Both print one JSON line; check exits 1 when an acknowledged message is missing.
"""

import argparse
import json
import os
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic


def create_topic(args):
    admin = KafkaAdminClient(bootstrap_servers=args.bootstrap.split(","))
    topic = NewTopic(args.topic, num_partitions=6, replication_factor=args.replicas,
                     topic_configs={"min.insync.replicas": str(min(2, args.replicas))})
    admin.create_topics([topic])
    admin.close()


def produce(args):
    create_topic(args)
    producer = KafkaProducer(
        bootstrap_servers=args.bootstrap.split(","),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        delivery_timeout_ms=120000,
        request_timeout_ms=30000,
    )
    failures = []
    sent = 0
    with open(args.acked, "w", encoding="ascii", buffering=1) as acked:
        for number in range(args.count):
            if os.path.exists(args.stop):
                break
            future = producer.send(args.topic, value=str(number).encode())
            # Callbacks run on the producer's I/O thread, the file's only writer.
            future.add_callback(lambda _metadata, number=number: acked.write(f"{number}\n"))
            future.add_errback(lambda error, number=number: failures.append(f"{number}: {error}"))
            sent += 1
            time.sleep(1.0 / args.rate)
        producer.flush(timeout=150)
        producer.close(timeout=30)
    print(json.dumps({"sent": sent, "failed": len(failures), "first_failures": failures[:5]}))
    return 0


def read_topic(args):
    """Every value of the topic, from the beginning to the end offsets taken at the start."""
    consumer = KafkaConsumer(bootstrap_servers=args.bootstrap.split(","), enable_auto_commit=False)
    partitions = [TopicPartition(args.topic, p) for p in sorted(consumer.partitions_for_topic(args.topic) or [])]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end_offsets = consumer.end_offsets(partitions)
    values = []
    deadline = time.monotonic() + args.timeout
    while any(consumer.position(tp) < end_offsets[tp] for tp in partitions):
        if time.monotonic() > deadline:
            raise SystemExit(f"could not read {args.topic} to its end within {args.timeout}s")
        for records in consumer.poll(timeout_ms=1000).values():
            values.extend(int(record.value) for record in records)
    consumer.close()
    return values


def check(args):
    with open(args.acked, encoding="ascii") as acked_file:
        acked = {int(line) for line in acked_file if line.strip()}
    values = read_topic(args)
    missing = sorted(acked - set(values))
    summary = {
        "acked": len(acked),
        "read": len(values),
        "duplicates": len(values) - len(set(values)),
        "missing": len(missing),
        "first_missing": missing[:20],
    }
    print(json.dumps(summary))
    return 1 if missing else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["produce", "check"])
    parser.add_argument("--bootstrap", required=True, help="host:port,...")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--acked", required=True, help="file of acknowledged ids")
    parser.add_argument("--stop", default="/nonexistent", help="produce: stop when this file exists")
    parser.add_argument("--count", type=int, default=100000, help="produce: at most this many messages")
    parser.add_argument("--replicas", type=int, default=3, help="produce: replication factor of the topic")
    parser.add_argument("--rate", type=float, default=100.0, help="produce: messages per second at most")
    parser.add_argument("--timeout", type=float, default=120.0, help="check: seconds to read the topic")
    args = parser.parse_args()
    return produce(args) if args.mode == "produce" else check(args)


if __name__ == "__main__":
    sys.exit(main())
