# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The handler contract: handle(event) -> a list of Output (or mappings of its fields), or None.

A handler that raises is called again (bounded retries with backoff); one that raises
PermanentError is not: retrying cannot help, the event goes to the dead-letter topic at once.
"""


class PermanentError(Exception):
    """The event can never be handled (e.g. its value is not the expected format)."""


class Event(object):
    """One consumed record, with the worker that received it and when (seconds since the epoch)."""

    __slots__ = ('topic', 'partition', 'offset', 'key', 'value', 'headers', 'timestamp', 'received_at', 'worker_id')

    def __init__(self, topic, partition, offset, key, value, headers, timestamp, received_at, worker_id):
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        # [(name, bytes or None)], in the record's order; a name may repeat.
        self.headers = headers
        # Milliseconds since the epoch (the producer's or the broker's clock), None when the record has none.
        self.timestamp = timestamp
        self.received_at = received_at
        self.worker_id = worker_id

    def __repr__(self):
        return 'Event(%s-%d@%d)' % (self.topic, self.partition, self.offset)


def checked_data(data, what):
    # Checked here, inside the handler's attempt: a wrong type fails the event, not the worker.
    if data is not None and not isinstance(data, (bytes, str)):
        raise TypeError('%s must be bytes, str or None, not %s' % (what, type(data).__name__))
    return data


class Output(object):
    """A record to produce; topic None means the worker's output topic."""

    __slots__ = ('value', 'key', 'headers', 'topic')

    def __init__(self, value, key=None, headers=None, topic=None):
        self.value = checked_data(value, 'an output value')
        self.key = checked_data(key, 'an output key')
        self.headers = [(name, checked_data(data, 'output header %s' % name)) for name, data in headers or []]
        if topic is not None and (not isinstance(topic, str) or not topic):
            raise TypeError('an output topic must be a non-empty string, not %r' % (topic,))
        self.topic = topic

    def __eq__(self, other):
        return isinstance(other, Output) and all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self):
        return 'Output(%r, key=%r, headers=%r, topic=%r)' % (self.value, self.key, self.headers, self.topic)


def outputs_of(result):
    """The handler's result as a list of Output; a mapping is read as Output's keyword arguments."""
    if result is None:
        return []
    if isinstance(result, (Output, dict, str, bytes)):
        raise TypeError('a handler returns a list of records or None, not %s' % type(result).__name__)
    return [record if isinstance(record, Output) else Output(**record) for record in result]
