# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The payload format and the checks kafka_verify runs on what it reads back."""

import tracemalloc
import uuid

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks

RUN = uuid.UUID(int=1).bytes
OTHER_RUN = uuid.UUID(int=2).bytes


def record(sequence, size=100, run=RUN, sent_ns=1000):
    return checks.encode(run, sequence, sent_ns, checks.padding_for(size))


@pytest.mark.parametrize("size", [checks.HEADER_SIZE, 41, 1024, 16384])
def test_payload_has_the_requested_size_and_decodes(size):
    value = record(7, size=size, sent_ns=123456789)
    assert len(value) == size
    assert checks.decode(RUN, value) == (7, 123456789)


def test_a_smaller_size_than_the_header_still_carries_the_header():
    assert len(record(0, size=10)) == checks.HEADER_SIZE


@pytest.mark.parametrize("position", [4, 20, 30, 36, 39, 40, 99])
def test_any_changed_byte_after_the_magic_is_corrupt_or_foreign(position):
    value = bytearray(record(3))
    value[position] ^= 0xFF
    # A changed run id makes the record another run's; every other byte fails the CRC.
    expected = "foreign" if 4 <= position < 20 else "corrupt"
    assert checks.decode(RUN, bytes(value)) == expected


@pytest.mark.parametrize("value", [None, b"", b"hello", b"EDAV", b"x" * 100])
def test_records_that_are_not_ours_are_foreign(value):
    assert checks.decode(RUN, value) == "foreign"


def test_another_runs_record_is_foreign():
    assert checks.decode(RUN, record(1, run=OTHER_RUN)) == "foreign"


def tally_of(*records, messages=10):
    tally = checks.Tally(RUN, messages)
    for offset, (partition, value) in enumerate(records):
        tally.add(partition, offset, value, received_ns=5000)
    return tally.summary()


def acked(sequences, messages=10):
    result = checks.SequenceSet(messages)
    for sequence in sequences:
        result.add(sequence)
    return result


def test_clean_run_passes():
    consumed = tally_of((0, record(0)), (1, record(1)), (0, record(2)), (1, record(3)), messages=4)
    ok, counts, first = checks.verdict(acked(range(4), 4), consumed)
    assert ok
    assert counts == dict(missing=0, duplicated=0, corrupt=0, out_of_order=0, unacknowledged=0)
    assert checks.latency_figures(consumed["latencies"]) == dict(p50=0.004, p95=0.004, p99=0.004, max=0.004)
    assert consumed["first_received_ns"] == 5000


def test_missing_duplicated_corrupt_and_out_of_order_are_each_reported():
    corrupt = bytearray(record(9))
    corrupt[50] ^= 1
    consumed = tally_of((0, record(0)), (0, record(2)), (0, record(1)), (0, record(2)), (1, bytes(corrupt)), (1, b"not ours"), messages=5)
    ok, counts, first = checks.verdict(acked(range(5), 5), consumed)
    assert not ok
    assert counts == dict(missing=2, duplicated=1, corrupt=1, out_of_order=1, unacknowledged=0)
    assert first["missing"] == [3, 4]
    assert first["duplicated"] == [2]
    assert first["out_of_order"] == [1]
    assert first["corrupt"] == [(1, 4)]
    assert consumed["foreign"] == 1


def test_order_is_checked_within_a_partition_only():
    consumed = tally_of((0, record(4)), (1, record(1)), (0, record(6)), (1, record(3)), messages=7)
    ok, counts, first = checks.verdict(acked([1, 3, 4, 6], 7), consumed)
    assert ok is False and counts["unacknowledged"] == 3 and counts["out_of_order"] == 0


def test_unacknowledged_messages_fail_the_run_but_are_not_missing():
    consumed = tally_of((0, record(0)), messages=3)
    ok, counts, first = checks.verdict(acked([0], 3), consumed)
    assert not ok
    assert counts["missing"] == 0
    assert first["unacknowledged"] == [1, 2]


def test_first_few_are_bounded():
    ok, counts, first = checks.verdict(acked(range(100), 100), tally_of(messages=100))
    assert counts["missing"] == 100
    assert first["missing"] == list(range(checks.FIRST_FEW))


def test_a_sequence_outside_the_run_is_foreign():
    consumed = tally_of((0, record(3)), (0, record(2 ** 40)), messages=3)
    assert consumed["foreign"] == 2


def test_a_record_seen_three_times_is_one_duplicate():
    consumed = tally_of((0, record(1)), (0, record(1)), (0, record(1)), messages=2)
    assert consumed["duplicated"] == (1, [1])


def test_sequence_set_counts_and_first_few():
    numbers = acked([0, 9, 700, 3], 1000)
    assert len(numbers) == 4 and numbers.add(9) is False and len(numbers) == 4
    assert checks.count_and_first(numbers.as_number()) == (4, [0, 3, 9, 700])
    assert checks.count_and_first(0) == (0, [])


def latencies(*nanoseconds):
    result = checks.Latencies()
    for value in nanoseconds:
        result.add(value)
    return result


def test_percentiles_use_the_nearest_rank():
    values = latencies(*[n * 1000 for n in range(1, 101)])
    assert values.percentile(0.50) == 50000
    assert values.percentile(0.99) == 99000
    assert latencies(7000).percentile(0.99) == 7000
    assert latencies().percentile(0.5) is None
    figures = checks.latency_figures(latencies(2_000_000, 1_000_000, 3_000_000))
    assert figures == dict(p50=2.0, p95=3.0, p99=3.0, max=3.0)
    assert checks.latency_figures(latencies()) == dict(p50=None, p95=None, p99=None, max=None)


def test_latency_buckets_are_exact_below_a_millisecond_then_three_digits():
    values = latencies(999_999, 12_345_678, 12_399_999, -5)
    assert values.buckets == {999: 1, 12300: 2, 0: 1}
    assert checks.latency_figures(values) == dict(p50=0.999, p95=12.3, p99=12.3, max=12.4)


def peak_bytes(work):
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("messages", [5000, 50000])
def test_the_tally_does_not_grow_with_the_records(messages):
    tally = checks.Tally(RUN, messages)
    padding = checks.padding_for(64)
    values = (checks.encode(RUN, sequence, 1000 + sequence % 5000, padding) for sequence in range(messages))

    def read_all():
        for offset, value in enumerate(values):
            tally.add(offset % 3, offset, value, received_ns=2_000_000)
        tally.summary()

    # The bitmaps were allocated with the Tally; reading adds counters and a few latency buckets.
    assert peak_bytes(read_all) < 64 * 1024
    assert len(tally.seen) == messages


def test_the_verdict_of_the_largest_run_needs_a_few_megabytes():
    messages = checks.MAX_MESSAGES
    acknowledged = checks.SequenceSet(messages)
    consumed = checks.Tally(RUN, messages).summary()
    acknowledged.add(messages - 1)
    result = {}

    def judge():
        result["verdict"] = checks.verdict(acknowledged, consumed)

    assert peak_bytes(judge) < 16 * 1024 * 1024
    ok, counts, first = result["verdict"]
    assert counts["missing"] == 1 and first["missing"] == [messages - 1]
    assert counts["unacknowledged"] == messages - 1 and first["unacknowledged"] == list(range(checks.FIRST_FEW))


def test_failure_message_names_counts_and_first_sequence_numbers():
    counts = dict(missing=2, duplicated=0, corrupt=0, out_of_order=1, unacknowledged=0)
    first = dict(missing=[3, 4], duplicated=[], corrupt=[], out_of_order=[9], unacknowledged=[])
    message = checks.failure_message(counts, first, 10)
    assert message == "Kafka verification failed for 10 messages: 2 missing (first: 3, 4); 1 out of order (first: 9)"
