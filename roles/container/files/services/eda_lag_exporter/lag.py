# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Lag in records and in seconds, from plain numbers: no Kafka here.

Lag in seconds follows kafka-lag-exporter: each partition keeps a bounded table of
(time, log end offset) samples taken at every refresh; a group's lag is how long ago the log
end was where the group stands now, read off the table by linear interpolation (before the first
sample, extrapolated at the table's average rate).
"""

import collections


def position(committed, start):
    """Where a group stands on a partition: its committed offset, else the log start.

    A group that never committed has not confirmed reading anything, so it lags by the whole
    log (end minus start), as the kafka_consumer_group_info module reports it.
    """
    return committed if committed is not None and committed >= 0 else start


def lag(at, end):
    # A committed offset past the log end (a truncated log) is no lag, not a negative one.
    return max(0, end - at)


class OffsetHistory(object):
    """Per partition, up to max_samples (time, log end offset) samples, oldest first.

    A log end that stays put is kept as two samples, when it was first and last seen at that
    offset: the record after it was written after the last one, so interpolation starts there.
    """

    def __init__(self, max_samples):
        self.max_samples = max_samples
        self.tables = {}

    def record(self, key, now, end):
        table = self.tables.setdefault(key, collections.deque(maxlen=self.max_samples))
        if table and end < table[-1][1]:
            table.clear()  # the topic was recreated (or its log truncated): the old samples mean nothing
        if len(table) >= 2 and table[-1][1] == table[-2][1] == end:
            table[-1] = (now, end)
        else:
            table.append((now, end))

    def keep_only(self, keys):
        """Forget partitions that are gone, so the tables stay bounded by the live partitions."""
        for key in set(self.tables) - set(keys):
            del self.tables[key]

    def lag_seconds(self, key, at, now):
        return lag_seconds(self.tables.get(key, ()), at, now)


def time_at(samples, offset):
    """When the log end was at offset, from samples [(time, end offset)] with offsets never decreasing."""
    before = [sample for sample in samples if sample[1] <= offset]
    if not before:
        return extrapolated(samples, offset)
    low = before[-1]
    high = next(sample for sample in samples if sample[1] > offset)
    return low[0] + (offset - low[1]) * (high[0] - low[0]) / float(high[1] - low[1])


def extrapolated(samples, offset):
    first, last = samples[0], samples[-1]
    if last[1] == first[1] or last[0] == first[0]:
        return first[0]  # no rate known: the first sample bounds the lag from below
    rate = (last[1] - first[1]) / float(last[0] - first[0])
    return first[0] - (first[1] - offset) / rate


def lag_seconds(samples, at, now):
    """Seconds since the log end was at the group's position; 0 when caught up with the last sample."""
    if not samples or at >= samples[-1][1]:
        return 0.0
    return max(0.0, now - time_at(samples, at))


Row = collections.namedtuple('Row', 'topic partition committed lag lag_seconds')


def group_rows(group, ends, starts, history, now):
    """One Row per partition a group committed or is assigned, on the partitions read (existing, exported topics)."""
    rows = []
    for key in sorted(set(group.committed) | group.assigned):
        if key not in ends:
            continue  # a deleted or filtered-out topic: no log to lag behind
        committed = group.committed.get(key)
        committed = committed if committed is not None and committed >= 0 else None
        at = position(committed, starts[key])
        rows.append(Row(key[0], key[1], committed, lag(at, ends[key]), history.lag_seconds(key, at, now)))
    return rows
