# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""lag_exporter: lag in records and in seconds, and the bounded table of log end samples."""


import pytest

from eda_lag_exporter import lag
from eda_lag_exporter.collect import Group


class TestLag:
    def test_committed(self):
        assert lag.lag(lag.position(70, 10), 100) == 30

    def test_never_committed_lags_by_the_whole_log(self):
        assert lag.lag(lag.position(None, 10), 100) == 90
        assert lag.lag(lag.position(-1, 10), 100) == 90

    def test_committed_before_the_log_start_counts_from_the_commit(self):
        # Retention deleted records the group never read; they count, as in kafka-consumer-groups.sh.
        assert lag.lag(lag.position(3, 10), 100) == 97

    def test_never_negative(self):
        assert lag.lag(lag.position(120, 0), 100) == 0


def history(*samples, max_samples=10):
    table = lag.OffsetHistory(max_samples)
    for now, end in samples:
        table.record('p', now, end)
    return table


class TestHistory:
    def test_a_flat_log_end_keeps_its_first_and_last_time(self):
        table = history((0, 5), (10, 5), (20, 5), (30, 5), (40, 9))
        assert list(table.tables['p']) == [(0, 5), (30, 5), (40, 9)]

    def test_bounded(self):
        table = history(*[(second, second * 10) for second in range(50)], max_samples=4)
        assert list(table.tables['p']) == [(46, 460), (47, 470), (48, 480), (49, 490)]

    def test_a_log_end_going_back_starts_afresh(self):
        table = history((0, 100), (10, 200), (20, 3))
        assert list(table.tables['p']) == [(20, 3)]

    def test_gone_partitions_are_forgotten(self):
        table = history((0, 1))
        table.record('q', 0, 1)
        table.keep_only(['q'])
        assert list(table.tables) == ['q']


class TestLagSeconds:
    SAMPLES = [(100.0, 0), (110.0, 100), (120.0, 300)]

    def test_caught_up_is_zero(self):
        assert lag.lag_seconds(self.SAMPLES, 300, 500.0) == 0.0
        assert lag.lag_seconds(self.SAMPLES, 301, 500.0) == 0.0

    def test_interpolated_between_samples(self):
        # The log end was at 200 halfway between 110 s (100) and 120 s (300).
        assert lag.lag_seconds(self.SAMPLES, 200, 130.0) == pytest.approx(15.0)
        assert lag.lag_seconds(self.SAMPLES, 100, 130.0) == pytest.approx(20.0)

    def test_extrapolated_before_the_first_sample(self):
        # 300 records in 20 s: 15 a second; offset -150 would have been 10 s before the first sample.
        samples = [(100.0, 0), (120.0, 300)]
        assert lag.lag_seconds(samples, -150, 120.0) == pytest.approx(30.0)

    def test_a_flat_log_interpolates_from_its_last_sighting(self):
        # The log stayed at 50 until 200 s: record 50 was written after that, not at 0 s.
        samples = [(0.0, 50), (200.0, 50), (210.0, 150)]
        assert lag.lag_seconds(samples, 50, 220.0) == pytest.approx(20.0)
        assert lag.lag_seconds(samples, 100, 220.0) == pytest.approx(15.0)

    def test_one_sample_gives_a_lower_bound(self):
        assert lag.lag_seconds([(100.0, 40)], 10, 130.0) == pytest.approx(30.0)

    def test_no_sample_is_zero(self):
        assert lag.lag_seconds([], 10, 130.0) == 0.0

    def test_grows_while_the_group_stands_still(self):
        table = history((0, 0), (10, 100), (20, 200))
        assert table.lag_seconds('p', 100, 20.0) == pytest.approx(10.0)
        table.record('p', 30, 300)
        assert table.lag_seconds('p', 100, 30.0) == pytest.approx(20.0)


class TestGroupRows:
    ENDS = {('t', 0): 100, ('t', 1): 50, ('u', 0): 7}
    STARTS = {('t', 0): 0, ('t', 1): 20, ('u', 0): 0}

    def rows(self, group):
        return lag.group_rows(group, self.ENDS, self.STARTS, lag.OffsetHistory(5), 0.0)

    def test_committed_and_assigned_partitions(self):
        group = Group(1, {('t', 1)}, {('t', 0): 60, ('gone', 0): 4})
        assert self.rows(group) == [lag.Row('t', 0, 60, 40, 0.0), lag.Row('t', 1, None, 30, 0.0)]

    def test_a_negative_committed_offset_means_none(self):
        assert self.rows(Group(0, set(), {('u', 0): -1})) == [lag.Row('u', 0, None, 7, 0.0)]
