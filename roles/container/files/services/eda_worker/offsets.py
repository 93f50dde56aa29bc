# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Which offset each partition may commit: the one after the last event of an unbroken run of finished ones.

An event is finished when its handler returned (or it was dead-lettered), the worker has produced
everything for it (sealed) and Kafka acknowledged every one of those records. Events finish out
of order (acknowledgements come per broker and partition), but a partition's commit point only
moves past an event once every earlier event of that partition has finished too: committing
further would lose the unfinished one if the worker died now.
"""

import collections


class Pending(object):
    """One event between being handed to the handler and being finished."""

    __slots__ = ('event', 'outstanding', 'sealed', 'attempts', 'dead_lettered')

    def __init__(self, event):
        self.event = event
        # Records produced for the event and not acknowledged yet.
        self.outstanding = 0
        self.sealed = False
        # What the worker did with it: handler attempts made, and whether it went to the dead-letter topic.
        self.attempts = 0
        self.dead_lettered = False

    @property
    def finished(self):
        return self.sealed and self.outstanding == 0


class PartitionState(object):
    __slots__ = ('pending', 'ready', 'committed')

    def __init__(self):
        self.pending = collections.deque()
        # The next offset to commit (None: nothing finished yet), and the last one Kafka confirmed.
        self.ready = None
        self.committed = None


class OffsetTracker(object):
    def __init__(self):
        self.partitions = {}
        # Kept as a count: the metrics thread reads it while this thread changes the partitions.
        self.unfinished = 0

    def begin(self, event):
        state = self.partitions.setdefault((event.topic, event.partition), PartitionState())
        if state.pending and event.offset <= state.pending[-1].event.offset:
            raise ValueError('%s-%d: offset %d after %d; events of a partition must come in order'
                             % (event.topic, event.partition, event.offset, state.pending[-1].event.offset))
        pending = Pending(event)
        state.pending.append(pending)
        self.unfinished += 1
        return pending

    def produced(self, pending):
        pending.outstanding += 1

    def acknowledged(self, pending):
        pending.outstanding -= 1
        self.advance(pending)

    def seal(self, pending):
        """Everything for this event has been produced; it finishes with the last acknowledgement."""
        pending.sealed = True
        self.advance(pending)

    def advance(self, pending):
        if not pending.finished:
            return
        state = self.partitions.get((pending.event.topic, pending.event.partition))
        if state is None:
            return  # the partition was revoked meanwhile: its new owner handles the event again
        while state.pending and state.pending[0].finished:
            state.ready = state.pending.popleft().event.offset + 1
            self.unfinished -= 1

    def to_commit(self, partitions=None):
        """[(topic, partition, next offset)] whose commit point moved since Kafka last confirmed one."""
        keys = sorted(self.partitions if partitions is None else set(partitions) & set(self.partitions))
        points = []
        for topic, partition in keys:
            state = self.partitions[(topic, partition)]
            if state.ready is not None and state.ready != state.committed:
                points.append((topic, partition, state.ready))
        return points

    def committed(self, topic, partition, offset):
        state = self.partitions.get((topic, partition))
        if state is not None and (state.committed is None or offset > state.committed):
            state.committed = offset

    def forget(self, partitions):
        for key in partitions:
            state = self.partitions.pop(key, None)
            if state is not None:
                self.unfinished -= len(state.pending)
