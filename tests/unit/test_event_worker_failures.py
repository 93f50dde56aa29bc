# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_workers: retry decisions, dead-letter headers, and which delivery failures dead-letter an event."""

import json

import confluent_kafka

from eda_worker import failures
from eda_worker.events import Event, PermanentError


class TestBackoff:
    def test_doubles_up_to_the_maximum(self):
        assert failures.backoff_delays(5, 0.5, 3) == [0.5, 1.0, 2.0, 3, 3]

    def test_no_retries_no_delays(self):
        assert failures.backoff_delays(0, 1, 10) == []


class TestShouldRetry:
    DELAYS = [0.1, 0.2]

    def test_until_the_retries_are_used(self):
        error = RuntimeError('database down')
        assert [failures.should_retry(error, made, self.DELAYS) for made in (1, 2, 3)] == [True, True, False]

    def test_never_a_permanent_error(self):
        assert not failures.should_retry(PermanentError('bad format'), 1, self.DELAYS)

    def test_a_subclass_of_permanent_is_permanent(self):
        class BadOrder(PermanentError):
            pass
        assert not failures.should_retry(BadOrder('no id'), 1, self.DELAYS)


class TestDeadLetterHeaders:
    EVENT = Event('orders', 2, 41, b'k', b'{', [('trace', b't1'), ('trace', None)], 1700000000000, 1700000000.5, 'worker-a')

    def test_original_headers_first_then_the_error_and_the_source(self):
        error = json.JSONDecodeError('Expecting value', '{', 1)
        headers = failures.dead_letter_headers(self.EVENT, error, 'shop.handlers:price', 4)
        assert headers[:2] == [('trace', b't1'), ('trace', None)]
        assert dict(headers[2:]) == {
            'eda.error.class': b'json.decoder.JSONDecodeError',
            'eda.error.message': b'Expecting value: line 1 column 2 (char 1)',
            'eda.error.handler': b'shop.handlers:price',
            'eda.source.topic': b'orders',
            'eda.source.partition': b'2',
            'eda.source.offset': b'41',
            'eda.attempts': b'4',
            'eda.worker.id': b'worker-a',
        }

    def test_builtin_errors_are_named_without_module(self):
        assert failures.error_class(KeyError('price')) == 'KeyError'
        assert failures.error_class(PermanentError('x')) == 'eda_worker.events.PermanentError'

    def test_long_messages_are_cut(self):
        message = failures.error_message(ValueError('x' * 5000))
        assert len(message) == failures.MAX_MESSAGE_CHARS and message.endswith('...')

    def test_an_error_without_text_is_still_named(self):
        assert failures.error_message(TimeoutError()) == 'TimeoutError()'

    def test_the_event_itself_is_not_changed(self):
        failures.dead_letter_headers(self.EVENT, ValueError('x'), 'h:f', 1)
        assert len(self.EVENT.headers) == 2


class TestRecordRefusal:
    def test_a_record_too_large_is_the_event_s_fault(self):
        error = confluent_kafka.KafkaError(confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE)
        assert failures.is_record_refusal(error)
        assert 'MSG_SIZE_TOO_LARGE' in str(failures.RecordRefused(error))

    def test_timeouts_and_authorization_are_not(self):
        for code in (confluent_kafka.KafkaError._MSG_TIMED_OUT, confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED,  # pylint: disable=protected-access
                     confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART):
            assert not failures.is_record_refusal(confluent_kafka.KafkaError(code))
