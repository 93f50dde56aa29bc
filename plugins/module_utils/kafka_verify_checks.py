# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of kafka_verify: the payload format and the checks on what came back.

Every payload is a fixed header followed by padding up to the requested size:

    magic (4 bytes, b'EDAV') | run id (16 bytes) | sequence (8) | send time ns (8) | CRC32 (4) | padding

The CRC covers everything after it and the run id, sequence and send time, so any changed
byte of a record shows up as corrupt.  Records of another run (or not ours at all) on the
same topic are counted as foreign, never as ours.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import bisect
import itertools
import struct
import zlib

MAGIC = b'EDAV'
HEADER = struct.Struct('>4s16sqqI')
HEADER_SIZE = HEADER.size  # 40 bytes
FIRST_FEW = 10
# The most messages one run may send: the control node keeps a few bits per message (about
# 10 MB at this count, with the verdict's set operations) and nothing else that grows with them.
MAX_MESSAGES = 10 * 1000 * 1000
# What a record batch of one record adds to its value: the batch header (61 bytes), the
# record's framing (at most 21) and a key of up to 8 digits, rounded up. The broker compares
# whole batches with max.message.bytes.
RECORD_OVERHEAD = 100


def padding_for(size):
    """Deterministic filler so a payload has the requested size (at least the header)."""
    length = max(0, size - HEADER_SIZE)
    pattern = b'eda.platform kafka_verify '
    return (pattern * (length // len(pattern) + 1))[:length]


def checksum(run_id, sequence, sent_ns, padding):
    return zlib.crc32(padding, zlib.crc32(struct.pack('>16sqq', run_id, sequence, sent_ns))) & 0xFFFFFFFF


def encode(run_id, sequence, sent_ns, padding):
    return HEADER.pack(MAGIC, run_id, sequence, sent_ns, checksum(run_id, sequence, sent_ns, padding)) + padding


def decode(run_id, value):
    """(sequence, sent_ns) of one of our records, 'foreign' or 'corrupt'."""
    if value is None or len(value) < HEADER_SIZE or value[:4] != MAGIC:
        return 'foreign'
    magic, record_run, sequence, sent_ns, crc = HEADER.unpack_from(value)
    if record_run != run_id:
        return 'foreign'
    if checksum(record_run, sequence, sent_ns, value[HEADER_SIZE:]) != crc:
        return 'corrupt'
    return sequence, sent_ns


class SequenceSet(object):
    """The sequence numbers 0 .. size - 1 of one run, one bit each: the memory is set when the
    run starts (size / 8 bytes, 1.25 MB for ten million messages), whatever arrives after."""

    def __init__(self, size):
        self.size = size
        self.bits = bytearray((size + 7) // 8)
        self.count = 0

    def add(self, sequence):
        """True when the sequence was not in the set yet."""
        index, bit = sequence >> 3, 1 << (sequence & 7)
        if self.bits[index] & bit:
            return False
        self.bits[index] |= bit
        self.count += 1
        return True

    def __len__(self):
        return self.count

    def as_number(self):
        """The set as one integer, bit n for sequence n: set operations in a few big-integer steps."""
        return int.from_bytes(self.bits, 'little')


_ONES = bytes(bin(value).count('1') for value in range(256))


def count_and_first(number):
    """(how many bits are set, the lowest FIRST_FEW of them) of an integer from SequenceSet.as_number()."""
    count = sum(number.to_bytes((number.bit_length() + 7) // 8, 'little').translate(_ONES))
    first = []
    while number and len(first) < FIRST_FEW:
        lowest = number & -number
        first.append(lowest.bit_length() - 1)
        number ^= lowest
    return count, first


class FirstFew(object):
    """How many, and the first few: for problems that may be as many as the messages."""

    def __init__(self):
        self.count = 0
        self.first = []

    def add(self, item):
        self.count += 1
        if len(self.first) < FIRST_FEW:
            self.first.append(item)


class Latencies(object):
    """Latencies counted in buckets, exact to the microsecond below a millisecond and to three
    significant digits above: percentiles without keeping every value. The buckets are at most
    a thousand per power of ten of the values, whatever their number."""

    def __init__(self):
        self.buckets = {}  # microseconds, rounded down -> count
        self.count = 0
        self.max_ns = None

    def add(self, nanoseconds):
        micros = max(0, nanoseconds // 1000)
        step = 10 ** max(0, len(str(micros)) - 3)
        bucket = micros - micros % step
        self.buckets[bucket] = self.buckets.get(bucket, 0) + 1
        self.count += 1
        if self.max_ns is None or nanoseconds > self.max_ns:
            self.max_ns = nanoseconds

    def percentile(self, fraction):
        """Nearest-rank percentile in nanoseconds (the lower edge of its bucket), None when empty."""
        if not self.count:
            return None
        rank = min(self.count, max(1, int(-(-fraction * self.count // 1))))
        buckets = sorted(self.buckets)
        ranks = list(itertools.accumulate(self.buckets[bucket] for bucket in buckets))
        return buckets[bisect.bisect_left(ranks, rank)] * 1000


class Tally(object):
    """What the consumer saw, checked record by record as it arrives, in memory that does not
    grow with the number of records: two SequenceSets sized for the run, counters, the first
    few problems and the latency buckets."""

    def __init__(self, run_id, messages):
        self.run_id = run_id
        self.seen = SequenceSet(messages)
        self.duplicated = SequenceSet(messages)
        self.corrupt = FirstFew()  # (partition, offset): a corrupt record has no trustworthy sequence
        self.out_of_order = FirstFew()
        self.foreign = 0
        self.latencies = Latencies()
        self.last_sequence = {}
        self.first_received_ns = None

    def add(self, partition, offset, value, received_ns):
        decoded = decode(self.run_id, value)
        if decoded == 'corrupt':
            self.corrupt.add((partition, offset))
            return
        # A sequence outside this run's range was written by an earlier run given the same run_id.
        if decoded == 'foreign' or not 0 <= decoded[0] < self.seen.size:
            self.foreign += 1
            return
        sequence, sent_ns = decoded
        if self.first_received_ns is None:
            self.first_received_ns = received_ns
        if not self.seen.add(sequence):
            self.duplicated.add(sequence)
            return
        if sequence < self.last_sequence.get(partition, -1):
            self.out_of_order.add(sequence)
        self.last_sequence[partition] = sequence
        self.latencies.add(received_ns - sent_ns)

    def summary(self):
        """What the parent process needs, as small as the Tally itself."""
        return dict(
            seen=self.seen,
            duplicated=count_and_first(self.duplicated.as_number()),
            corrupt=(self.corrupt.count, self.corrupt.first),
            out_of_order=(self.out_of_order.count, self.out_of_order.first),
            foreign=self.foreign,
            latencies=self.latencies,
            first_received_ns=self.first_received_ns,
        )


def _milliseconds(nanoseconds):
    return None if nanoseconds is None else round(nanoseconds / 1e6, 3)


def latency_figures(latencies):
    """p50, p95, p99 and max of a Latencies, in milliseconds."""
    return dict(
        p50=_milliseconds(latencies.percentile(0.50)),
        p95=_milliseconds(latencies.percentile(0.95)),
        p99=_milliseconds(latencies.percentile(0.99)),
        max=_milliseconds(latencies.max_ns),
    )


def verdict(acknowledged, consumed):
    """Compare what the brokers acknowledged with what the consumer read back.

    acknowledged: the SequenceSet of the run's acknowledged messages (its size is the number
    requested); consumed: Tally.summary(). Returns (ok, counts, first few of each problem).
    """
    acked = acknowledged.as_number()
    everything = (1 << acknowledged.size) - 1
    problems = dict(
        missing=count_and_first(acked & ~consumed['seen'].as_number()),
        duplicated=consumed['duplicated'],
        corrupt=consumed['corrupt'],
        out_of_order=consumed['out_of_order'],
        unacknowledged=count_and_first(everything & ~acked),
    )
    counts = dict((name, count) for name, (count, first) in problems.items())
    first = dict((name, first) for name, (count, first) in problems.items())
    return not any(counts.values()), counts, first


def failure_message(counts, first, expected):
    parts = []
    for name in ('missing', 'duplicated', 'corrupt', 'out_of_order', 'unacknowledged'):
        if counts[name]:
            parts.append('%d %s (first: %s)' % (counts[name], name.replace('_', ' '), ', '.join(str(item) for item in first[name])))
    return 'Kafka verification failed for %d messages: %s' % (expected, '; '.join(parts))
