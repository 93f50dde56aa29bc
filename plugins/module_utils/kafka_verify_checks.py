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

import struct
import zlib

MAGIC = b'EDAV'
HEADER = struct.Struct('>4s16sqqI')
HEADER_SIZE = HEADER.size  # 40 bytes
FIRST_FEW = 10


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


class Tally(object):
    """What the consumer saw, checked record by record as it arrives."""

    def __init__(self, run_id):
        self.run_id = run_id
        self.seen = set()
        self.duplicates = []
        self.corrupt = []  # (partition, offset): a corrupt record has no trustworthy sequence
        self.out_of_order = []
        self.foreign = 0
        self.latencies_ns = []
        self.last_sequence = {}
        self.first_received_ns = None

    def add(self, partition, offset, value, received_ns):
        decoded = decode(self.run_id, value)
        if decoded == 'foreign':
            self.foreign += 1
            return
        if decoded == 'corrupt':
            self.corrupt.append((partition, offset))
            return
        sequence, sent_ns = decoded
        if self.first_received_ns is None:
            self.first_received_ns = received_ns
        if sequence in self.seen:
            self.duplicates.append(sequence)
            return
        self.seen.add(sequence)
        if sequence < self.last_sequence.get(partition, -1):
            self.out_of_order.append(sequence)
        self.last_sequence[partition] = sequence
        self.latencies_ns.append(received_ns - sent_ns)

    def summary(self):
        """A small picklable dict: what the parent process needs, not every record."""
        return dict(
            seen=sorted(self.seen),
            duplicates=self.duplicates,
            corrupt=self.corrupt,
            out_of_order=self.out_of_order,
            foreign=self.foreign,
            latencies_ns=self.latencies_ns,
            first_received_ns=self.first_received_ns,
        )


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _milliseconds(nanoseconds):
    return None if nanoseconds is None else round(nanoseconds / 1e6, 3)


def latency_figures(latencies_ns):
    values = sorted(latencies_ns)
    to_ms = _milliseconds
    return dict(
        p50=to_ms(percentile(values, 0.50)),
        p95=to_ms(percentile(values, 0.95)),
        p99=to_ms(percentile(values, 0.99)),
        max=to_ms(values[-1] if values else None),
    )


def verdict(acknowledged, unacknowledged, consumed):
    """Compare what the brokers acknowledged with what the consumer read back.

    acknowledged / unacknowledged: sets of sequence numbers; consumed: Tally.summary().
    """
    seen = set(consumed['seen'])
    missing = sorted(acknowledged - seen)
    problems = dict(
        missing=missing,
        duplicated=sorted(set(consumed['duplicates'])),
        corrupt=consumed['corrupt'],
        out_of_order=consumed['out_of_order'],
        unacknowledged=sorted(unacknowledged),
    )
    counts = dict((name, len(values)) for name, values in problems.items())
    first = dict((name, values[:FIRST_FEW]) for name, values in problems.items())
    ok = not (missing or problems['duplicated'] or problems['corrupt'] or problems['out_of_order'] or unacknowledged)
    return ok, counts, first


def failure_message(counts, first, expected):
    parts = []
    for name in ('missing', 'duplicated', 'corrupt', 'out_of_order', 'unacknowledged'):
        if counts[name]:
            parts.append('%d %s (first: %s)' % (counts[name], name.replace('_', ' '), ', '.join(str(item) for item in first[name])))
    return 'Kafka verification failed for %d messages: %s' % (expected, '; '.join(parts))
