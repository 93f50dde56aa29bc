# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""What happens to an event that fails: retry after a backoff, or the dead-letter topic, and with which headers."""

from eda_worker.events import PermanentError

# Kafka refuses these records whatever the retry: an event whose output hits one is dead-lettered.
# Any other delivery failure (Kafka unreachable until the timeout, authorization, unknown topic) is
# the platform's, not the event's: the worker stops without committing the event.
RECORD_REFUSALS = frozenset(('MSG_SIZE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP'))
MAX_MESSAGE_CHARS = 1000


def backoff_delays(count, first_s, max_s):
    """The waits before each retry: doubling from first_s, at most max_s each."""
    return [min(max_s, first_s * 2 ** number) for number in range(count)]


def should_retry(error, attempts_made, delays):
    """Another attempt, unless the error is permanent or every retry has been used."""
    return not isinstance(error, PermanentError) and attempts_made <= len(delays)


def error_class(error):
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == 'builtins' else '%s.%s' % (kind.__module__, kind.__qualname__)


def error_message(error):
    message = str(error) or repr(error)
    return message if len(message) <= MAX_MESSAGE_CHARS else message[:MAX_MESSAGE_CHARS - 3] + '...'


def dead_letter_headers(event, error, handler, attempts):
    """The event's own headers, then eda.* headers saying where it came from and why it failed."""
    added = [
        ('eda.error.class', error_class(error)),
        ('eda.error.message', error_message(error)),
        ('eda.error.handler', handler),
        ('eda.source.topic', event.topic),
        ('eda.source.partition', str(event.partition)),
        ('eda.source.offset', str(event.offset)),
        ('eda.attempts', str(attempts)),
        ('eda.worker.id', event.worker_id),
    ]
    return list(event.headers) + [(name, value.encode('utf-8')) for name, value in added]


class RecordRefused(Exception):
    """Kafka refused an output record for good (e.g. too large for the topic)."""

    def __init__(self, kafka_error):
        super().__init__('Kafka refused an output record: %s (%s)' % (kafka_error.str(), kafka_error.name()))


def is_record_refusal(kafka_error):
    return kafka_error.name() in RECORD_REFUSALS
