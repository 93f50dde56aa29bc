# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_workers: the worker loop against stand-ins of confluent-kafka's Consumer and Producer.

The stand-ins deliver reports and call rebalance callbacks the way librdkafka does: only inside
poll()/flush()/consume()/close(), on the caller's thread.
"""

import json

import confluent_kafka
from confluent_kafka import KafkaError

from eda_worker import config
from eda_worker.events import PermanentError
from eda_worker.worker import Worker

SETTINGS = {
    'worker_id': 'w1',
    'kafka': {'bootstrap_servers': ['k:9092'], 'delivery_timeout_ms': 1000},
    'topics': {'input': ['in'], 'output': 'out', 'dead_letter': 'dlq'},
    'retries': {'count': 2, 'backoff_s': 0.001, 'backoff_max_s': 0.002},
    'commit_interval_s': 1000,
}


class Message(object):
    def __init__(self, partition, offset, value=b'{"n": 1}', key=b'k', headers=None):
        self.fields = dict(topic='in', partition=partition, offset=offset, value=value, key=key, headers=headers)

    def __getattr__(self, name):
        return lambda: self.fields[name]

    def error(self):
        return None

    def timestamp(self):
        return confluent_kafka.TIMESTAMP_CREATE_TIME, 1700000000000


class Producer(object):
    def __init__(self, settings, journal):
        self.settings = settings
        self.journal = journal
        self.queue = []
        self.records = []
        self.errors = {}  # topic -> the KafkaError its delivery reports carry

    def produce(self, topic, value, key, headers, on_delivery):
        self.records.append(dict(topic=topic, value=value, key=key, headers=headers))
        self.queue.append((topic, on_delivery))

    def poll(self, timeout):
        served, self.queue = self.queue, []
        for topic, on_delivery in served:
            on_delivery(self.errors.get(topic), None)
        return len(served)

    def flush(self, timeout):
        self.journal.append('flush')
        self.poll(timeout)
        return len(self.queue)


class Consumer(object):
    def __init__(self, settings, journal, batches, partitions):
        self.settings = settings
        self.journal = journal
        self.batches = list(batches)
        self.partitions = [confluent_kafka.TopicPartition('in', p) for p in partitions]
        self.committed = {}
        self.worker = None
        self.callbacks = None

    def subscribe(self, topics, on_assign, on_revoke, on_lost):
        self.callbacks = dict(assign=on_assign, revoke=on_revoke, lost=on_lost)

    def consume(self, num_messages, timeout):
        if self.partitions and not self.worker.assigned:
            self.callbacks['assign'](self, self.partitions)
        if not self.batches:
            self.worker.stop()
            return []
        return self.batches.pop(0)

    def commit(self, offsets, asynchronous):
        self.journal.append('commit')
        for tp in offsets:
            self.committed[(tp.topic, tp.partition)] = tp.offset
        if asynchronous:
            self.settings['on_commit'](None, offsets)
            return None
        return offsets

    def close(self):
        self.journal.append('close')
        self.callbacks['revoke'](self, self.partitions)


def worker_for(batches, handler=None, partitions=(0, 1), **settings):
    journal = []
    worker = Worker(config.from_data(dict(SETTINGS, **settings)),
                    consumer_factory=lambda s: Consumer(s, journal, batches, partitions),
                    producer_factory=lambda s: Producer(s, journal))
    worker.consumer.worker = worker
    if handler is not None:
        worker.handler = handler
    worker.journal = journal
    return worker


def failing(times, error=RuntimeError('database down')):
    calls = []

    def handler(event):
        calls.append(event.offset)
        if len(calls) <= times:
            raise error
        return [{'value': b'done'}]
    handler.calls = calls
    return handler


def headers_of(record):
    return dict((name, value.decode()) for name, value in record['headers'] if name.startswith('eda.'))


def sample(worker, name, **labels):
    return worker.metrics.registry.get_sample_value(name, labels or None)


class TestHappyPath:
    def test_every_event_enriched_and_every_offset_committed(self):
        worker = worker_for([[Message(0, 0), Message(1, 5, key=b'k2', headers=[('h', b'v')])], [Message(0, 1)]])
        assert worker.run() == 0
        out = worker.producer.records
        assert [(r['topic'], r['key']) for r in out] == [('out', b'k'), ('out', b'k2'), ('out', b'k')]
        assert out[1]['headers'] == [('h', b'v')]
        assert json.loads(out[1]['value'])['_eda']['source'] == {'topic': 'in', 'partition': 1, 'offset': 5}
        assert worker.consumer.committed == {('in', 0): 2, ('in', 1): 6}
        assert sample(worker, 'eda_worker_events_handled_total', topic='in') == 3
        assert sample(worker, 'eda_worker_produce_latency_seconds_count') == 3

    def test_shutdown_flushes_then_commits_then_leaves(self):
        worker = worker_for([[Message(0, 0)]])
        worker.run()
        assert worker.journal == ['flush', 'commit', 'close', 'flush']
        assert worker.assigned == set()

    def test_no_output_still_commits(self):
        worker = worker_for([[Message(0, 3)]], handler=lambda event: None)
        assert worker.run() == 0
        assert worker.producer.records == []
        assert worker.consumer.committed == {('in', 0): 4}


class TestFailures:
    def test_a_retry_that_succeeds_is_not_dead_lettered(self):
        handler = failing(2)
        worker = worker_for([[Message(0, 0)]], handler=handler)
        assert worker.run() == 0
        assert handler.calls == [0, 0, 0]
        assert [r['topic'] for r in worker.producer.records] == ['out']
        assert sample(worker, 'eda_worker_handler_retries_total', topic='in') == 2
        assert sample(worker, 'eda_worker_handler_failures_total', error_class='RuntimeError') == 2

    def test_an_event_that_keeps_failing_goes_to_the_dead_letter_topic_then_is_committed(self):
        handler = failing(10)
        worker = worker_for([[Message(0, 0, value=b'orig', key=b'ko', headers=[('trace', b't')]), Message(0, 1)]], handler=handler)
        assert worker.run() == 0
        assert handler.calls == [0, 0, 0, 1, 1, 1]
        dead = [r for r in worker.producer.records if r['topic'] == 'dlq']
        assert [(r['key'], r['value'], r['headers'][0]) for r in dead] == [(b'ko', b'orig', ('trace', b't')),
                                                                           (b'k', b'{"n": 1}', ('eda.error.class', b'RuntimeError'))]
        assert headers_of(dead[0]) == {'eda.error.class': 'RuntimeError', 'eda.error.message': 'database down',
                                       'eda.error.handler': 'eda_worker.handlers:enrich', 'eda.source.topic': 'in',
                                       'eda.source.partition': '0', 'eda.source.offset': '0', 'eda.attempts': '3', 'eda.worker.id': 'w1'}
        assert worker.consumer.committed == {('in', 0): 2}
        assert sample(worker, 'eda_worker_events_dead_lettered_total', topic='in') == 2

    def test_a_permanent_error_is_not_retried(self):
        handler = failing(10, PermanentError('no order id'))
        worker = worker_for([[Message(0, 0)]], handler=handler)
        worker.run()
        assert handler.calls == [0]
        assert headers_of(worker.producer.records[0])['eda.attempts'] == '1'

    def test_a_record_of_the_wrong_type_is_the_event_s_failure_not_the_worker_s(self):
        worker = worker_for([[Message(0, 0), Message(0, 1)]], handler=lambda event: [{'value': {'not': 'bytes'}}])
        assert worker.run() == 0
        assert [headers_of(r)['eda.error.class'] for r in worker.producer.records] == ['TypeError', 'TypeError']
        assert worker.consumer.committed == {('in', 0): 2}

    def test_the_default_handler_dead_letters_what_is_not_json(self):
        worker = worker_for([[Message(0, 0, value=b'not json')]])
        worker.run()
        [record] = worker.producer.records
        assert (record['topic'], headers_of(record)['eda.error.class']) == ('dlq', 'eda_worker.events.PermanentError')

    def test_an_output_kafka_refuses_for_good_dead_letters_the_event(self):
        worker = worker_for([[Message(0, 0)]])
        worker.producer.errors['out'] = KafkaError(KafkaError.MSG_SIZE_TOO_LARGE)
        assert worker.run() == 0
        dead = worker.producer.records[-1]
        assert (dead['topic'], headers_of(dead)['eda.error.class']) == ('dlq', 'eda_worker.failures.RecordRefused')
        assert 'MSG_SIZE_TOO_LARGE' in headers_of(dead)['eda.error.message']
        assert worker.consumer.committed == {('in', 0): 1}

    def test_an_output_not_acknowledged_stops_the_worker_without_committing_the_event(self):
        # Offset 0 finishes before 1 is produced; 1's output times out.
        worker = worker_for([[Message(0, 0)], [Message(0, 1)], [Message(0, 2)]])
        original = worker.producer.poll

        def poll(timeout):
            if any(r['value'] and b'"offset":1' in r['value'] for r in worker.producer.records):
                worker.producer.errors['out'] = KafkaError(KafkaError._MSG_TIMED_OUT)  # pylint: disable=protected-access
            return original(timeout)
        worker.producer.poll = poll
        assert worker.run() == 1
        assert 'not acknowledged' in worker.failure and '_MSG_TIMED_OUT' in worker.failure
        assert worker.consumer.committed == {('in', 0): 1}
        assert not worker.health()[0]

    def test_a_stop_during_the_backoff_leaves_the_event_uncommitted(self):
        def handler(event):
            if event.offset == 1:
                worker.stop()
                raise RuntimeError('flaky')
            return []
        worker = worker_for([[Message(0, 0), Message(0, 1), Message(0, 2)]], handler=handler, retries={'count': 3, 'backoff_s': 5})
        assert worker.run() == 0
        assert worker.producer.records == []
        assert worker.consumer.committed == {('in', 0): 1}


class TestRebalance:
    def test_assigned_topics_have_zero_series_before_any_event(self):
        worker = worker_for([])
        worker.on_assign(worker.consumer, [confluent_kafka.TopicPartition('in', 0)])
        # Rates over them exist (0) before the first event, retry or dead letter.
        for name in ('eda_worker_events_handled_total', 'eda_worker_handler_retries_total', 'eda_worker_events_dead_lettered_total'):
            assert sample(worker, name, topic='in') == 0.0

    def test_revoked_partitions_commit_what_is_finished_and_are_forgotten(self):
        worker = worker_for([])
        worker.on_assign(worker.consumer, [confluent_kafka.TopicPartition('in', 0), confluent_kafka.TopicPartition('in', 1)])
        for message in (Message(0, 0), Message(1, 0)):
            worker.handle(worker_event(worker, message))
        # Nothing acknowledged yet: the revoke has to flush before it can commit.
        assert worker.consumer.committed == {}
        worker.on_revoke(worker.consumer, [confluent_kafka.TopicPartition('in', 0)])
        assert worker.journal == ['flush', 'commit']
        assert worker.consumer.committed == {('in', 0): 1}
        assert set(worker.tracker.partitions) == {('in', 1)}
        assert worker.assigned == {('in', 1)}

    def test_lost_partitions_are_not_committed(self):
        worker = worker_for([])
        worker.on_assign(worker.consumer, [confluent_kafka.TopicPartition('in', 0)])
        worker.handle(worker_event(worker, Message(0, 0)))
        worker.on_lost(worker.consumer, [confluent_kafka.TopicPartition('in', 0)])
        worker.producer.flush(1)
        worker.commit(asynchronous=False)
        assert worker.consumer.committed == {}
        assert sample(worker, 'eda_worker_assigned_partitions') == 0


def worker_event(worker, message):
    from eda_worker.worker import event_of  # noqa: PLC0415 - only these tests build events by hand
    return event_of(message, worker.worker_id)
