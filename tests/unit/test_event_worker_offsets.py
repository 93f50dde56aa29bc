# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_workers: the offset tracker, which decides what a partition may commit."""


import pytest

from eda_worker.events import Event
from eda_worker.offsets import OffsetTracker


def event(offset, partition=0, topic='in'):
    return Event(topic, partition, offset, None, b'{}', [], None, 0.0, 'w1')


def handled(tracker, offset, outputs=1, partition=0):
    """An event the handler returned for, with `outputs` records produced and not yet acknowledged."""
    pending = tracker.begin(event(offset, partition))
    for number in range(outputs):
        tracker.produced(pending)
    tracker.seal(pending)
    return pending


class TestCommitPoint:
    def test_nothing_to_commit_before_an_acknowledgement(self):
        tracker = OffsetTracker()
        handled(tracker, 5)
        assert tracker.to_commit() == []
        assert tracker.unfinished == 1

    def test_commit_is_the_offset_after_the_finished_event(self):
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 5))
        assert tracker.to_commit() == [('in', 0, 6)]
        assert tracker.unfinished == 0

    def test_a_later_event_finishing_first_does_not_skip_the_earlier(self):
        tracker = OffsetTracker()
        first, second, third = handled(tracker, 10), handled(tracker, 11), handled(tracker, 12)
        tracker.acknowledged(third)
        tracker.acknowledged(second)
        assert tracker.to_commit() == []
        tracker.acknowledged(first)
        assert tracker.to_commit() == [('in', 0, 13)]

    def test_the_point_stops_at_the_first_unfinished_event(self):
        tracker = OffsetTracker()
        first = handled(tracker, 10)
        handled(tracker, 11)
        third = handled(tracker, 12)
        tracker.acknowledged(first)
        tracker.acknowledged(third)
        assert tracker.to_commit() == [('in', 0, 11)]

    def test_every_output_must_be_acknowledged(self):
        tracker = OffsetTracker()
        pending = handled(tracker, 0, outputs=3)
        tracker.acknowledged(pending)
        tracker.acknowledged(pending)
        assert tracker.to_commit() == []
        tracker.acknowledged(pending)
        assert tracker.to_commit() == [('in', 0, 1)]

    def test_an_event_is_unfinished_until_sealed_even_with_every_record_acknowledged(self):
        # Acknowledgements can come while the handler's outputs are still being produced.
        tracker = OffsetTracker()
        pending = tracker.begin(event(3))
        tracker.produced(pending)
        tracker.acknowledged(pending)
        assert tracker.to_commit() == []
        tracker.seal(pending)
        assert tracker.to_commit() == [('in', 0, 4)]

    def test_an_event_without_output_finishes_when_sealed(self):
        tracker = OffsetTracker()
        handled(tracker, 7, outputs=0)
        assert tracker.to_commit() == [('in', 0, 8)]

    def test_offset_gaps_are_fine(self):
        # Compacted topics and transaction markers leave holes in the offsets.
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 2))
        tracker.acknowledged(handled(tracker, 9))
        assert tracker.to_commit() == [('in', 0, 10)]

    def test_partitions_are_independent(self):
        tracker = OffsetTracker()
        handled(tracker, 0, partition=0)
        tracker.acknowledged(handled(tracker, 40, partition=1))
        assert tracker.to_commit() == [('in', 1, 41)]

    def test_out_of_order_offsets_are_refused(self):
        tracker = OffsetTracker()
        handled(tracker, 5)
        with pytest.raises(ValueError, match='offset 5 after 5'):
            tracker.begin(event(5))


class TestConfirmation:
    def test_a_confirmed_point_is_not_committed_again(self):
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 0))
        tracker.committed('in', 0, 1)
        assert tracker.to_commit() == []
        tracker.acknowledged(handled(tracker, 1))
        assert tracker.to_commit() == [('in', 0, 2)]

    def test_a_late_confirmation_of_an_older_commit_does_not_go_back(self):
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 0))
        tracker.acknowledged(handled(tracker, 1))
        tracker.committed('in', 0, 2)
        tracker.committed('in', 0, 1)
        assert tracker.to_commit() == []

    def test_an_unconfirmed_point_stays_due(self):
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 0))
        assert tracker.to_commit() == tracker.to_commit() == [('in', 0, 1)]

    def test_only_the_partitions_asked_for(self):
        tracker = OffsetTracker()
        tracker.acknowledged(handled(tracker, 0, partition=0))
        tracker.acknowledged(handled(tracker, 0, partition=1))
        assert tracker.to_commit([('in', 1), ('other', 0)]) == [('in', 1, 1)]


class TestForget:
    def test_a_revoked_partition_is_dropped_with_its_unfinished_events(self):
        tracker = OffsetTracker()
        pending = handled(tracker, 0, partition=0)
        handled(tracker, 0, partition=1)
        tracker.forget([('in', 0)])
        assert tracker.unfinished == 1
        # Its acknowledgement may still arrive; it must not bring the partition back.
        tracker.acknowledged(pending)
        tracker.committed('in', 0, 1)
        assert tracker.to_commit() == []
        assert ('in', 0) not in tracker.partitions
