# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Compare what a run posted with what the event workers wrote, by reading the topics whole.

Reads the input, output and dead-letter topics from their start to the end offsets they had
when it started, and keeps the records whose JSON value has "run": --run. An input event is
identified by (partition, offset); the workers' enrichment names it in `_eda.source` of each
output record, and the dead-letter records carry it in their eda.source.* headers. Prints one
JSON line: posted, handled (distinct events in the output), missing and duplicated (counts and
the first ten), and the dead letters with what their eda.* headers say. kafka-python, bounded by --timeout.
"""

import argparse
import collections
import json
import sys
import time

from kafka import KafkaConsumer, TopicPartition


def read_whole(servers, topic, deadline):
    """Every record of the topic up to the end offsets it has now."""
    consumer = KafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, number) for number in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records = []
        while any(consumer.position(partition) < ends[partition] for partition in partitions):
            if time.monotonic() > deadline:
                raise SystemExit(f"{topic}: not read to its end within the timeout")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def of_run(records, run):
    """The records whose value is a JSON object tagged with the run."""
    for record in records:
        try:
            value = json.loads(record.value)
        except (TypeError, ValueError):
            continue
        if isinstance(value, dict) and value.get("run") == run:
            yield record, value


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True, help="host:port[,host:port...]")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--dead-letter", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    servers = args.bootstrap.split(",")
    deadline = time.monotonic() + args.timeout
    posted = {(record.partition, record.offset) for record, _value in of_run(read_whole(servers, args.input, deadline), args.run)}
    handled = collections.Counter(
        (value["_eda"]["source"]["partition"], value["_eda"]["source"]["offset"])
        for _record, value in of_run(read_whole(servers, args.output, deadline), args.run))
    dead_letters = []
    for record, value in of_run(read_whole(servers, args.dead_letter, deadline), args.run):
        headers = {name: (data or b"").decode(errors="replace") for name, data in record.headers if name.startswith("eda.")}
        # Named without dots, for the playbooks' attribute lookups.
        dead_letters.append({"value": value, "error_class": headers.get("eda.error.class"), "error_message": headers.get("eda.error.message"),
                             "attempts": headers.get("eda.attempts"), "source_topic": headers.get("eda.source.topic"),
                             "source": [int(headers["eda.source.partition"]), int(headers["eda.source.offset"])]})
    failed = {tuple(entry["source"]) for entry in dead_letters}
    missing = sorted(posted - set(handled) - failed)
    duplicated = sorted(event for event, count in handled.items() if count > 1)
    print(json.dumps({"posted": len(posted), "handled": len(handled), "dead_lettered": len(failed),
                      "missing": len(missing), "first_missing": missing[:10],
                      "duplicated": len(duplicated), "duplicates": sum(handled[event] - 1 for event in duplicated),
                      "first_duplicated": duplicated[:10], "foreign": len(set(handled) - posted),
                      "dead_letters": dead_letters[:10]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
