# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The payload format and the checks kafka_verify runs on what it reads back."""

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


def tally_of(*records):
    tally = checks.Tally(RUN)
    for offset, (partition, value) in enumerate(records):
        tally.add(partition, offset, value, received_ns=5000)
    return tally.summary()


def test_clean_run_passes():
    consumed = tally_of((0, record(0)), (1, record(1)), (0, record(2)), (1, record(3)))
    ok, counts, first = checks.verdict({0, 1, 2, 3}, set(), consumed)
    assert ok
    assert counts == dict(missing=0, duplicated=0, corrupt=0, out_of_order=0, unacknowledged=0)
    assert consumed["latencies_ns"] == [4000] * 4
    assert consumed["first_received_ns"] == 5000


def test_missing_duplicated_corrupt_and_out_of_order_are_each_reported():
    corrupt = bytearray(record(9))
    corrupt[50] ^= 1
    consumed = tally_of((0, record(0)), (0, record(2)), (0, record(1)), (0, record(2)), (1, bytes(corrupt)), (1, b"not ours"))
    ok, counts, first = checks.verdict({0, 1, 2, 3, 4}, set(), consumed)
    assert not ok
    assert counts == dict(missing=2, duplicated=1, corrupt=1, out_of_order=1, unacknowledged=0)
    assert first["missing"] == [3, 4]
    assert first["duplicated"] == [2]
    assert first["out_of_order"] == [1]
    assert first["corrupt"] == [(1, 4)]
    assert consumed["foreign"] == 1


def test_order_is_checked_within_a_partition_only():
    consumed = tally_of((0, record(4)), (1, record(1)), (0, record(6)), (1, record(3)))
    assert checks.verdict({1, 3, 4, 6}, set(), consumed)[0]


def test_unacknowledged_messages_fail_the_run_but_are_not_missing():
    consumed = tally_of((0, record(0)))
    ok, counts, first = checks.verdict({0}, {1, 2}, consumed)
    assert not ok
    assert counts["missing"] == 0
    assert first["unacknowledged"] == [1, 2]


def test_first_few_are_bounded():
    ok, counts, first = checks.verdict(set(range(100)), set(), tally_of())
    assert counts["missing"] == 100
    assert first["missing"] == list(range(checks.FIRST_FEW))


def test_percentiles_use_the_nearest_rank():
    values = list(range(1, 101))
    assert checks.percentile(values, 0.50) == 50
    assert checks.percentile(values, 0.99) == 99
    assert checks.percentile([7], 0.99) == 7
    assert checks.percentile([], 0.5) is None
    figures = checks.latency_figures([2_000_000, 1_000_000, 3_000_000])
    assert figures == dict(p50=2.0, p95=3.0, p99=3.0, max=3.0)
    assert checks.latency_figures([]) == dict(p50=None, p95=None, p99=None, max=None)


def test_failure_message_names_counts_and_first_sequence_numbers():
    counts = dict(missing=2, duplicated=0, corrupt=0, out_of_order=1, unacknowledged=0)
    first = dict(missing=[3, 4], duplicated=[], corrupt=[], out_of_order=[9], unacknowledged=[])
    message = checks.failure_message(counts, first, 10)
    assert message == "Kafka verification failed for 10 messages: 2 missing (first: 3, 4); 1 out of order (first: 9)"
