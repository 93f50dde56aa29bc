# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The event worker as local processes (the consumer group's members) on a real one-broker KRaft cluster.

The module boots a cluster of its own, like test_event_gateway.py. Events are produced and read
back with kafka-python, independent of the worker's client. Each test has its own topics and
group, so what one leaves committed cannot help another pass.
"""

import collections
import contextlib
import json
import signal
import time
import uuid

import pytest
import requests
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition

from tests.containers import free_port
from tests.integration import services

WAIT_SECONDS = 90
PARTITIONS = 3
# Handlers the tests mount, as a user's module would be.
HANDLERS = '''
import time

from eda_worker import handlers


def slow_enrich(event):
    time.sleep(0.003)  # slow enough that a SIGKILL lands mid-stream
    return handlers.enrich(event)


def always_fails(event):
    raise ValueError('refused by the test: %s' % event.value.decode())
'''


@pytest.fixture(scope='module')
def cluster():
    with services.one_broker('worker') as lab_cluster:
        yield lab_cluster


@pytest.fixture
def topics(cluster):
    prefix = 'wk%s' % uuid.uuid4().hex[:6]
    names = dict(input=prefix + '-in', output=prefix + '-out', dead_letter=prefix + '-dlq', group=prefix + '-group')
    with contextlib.closing(cluster.admin()) as admin:
        admin.create_topics({names['input']: dict(num_partitions=PARTITIONS, replication_factor=1),
                             names['output']: dict(num_partitions=PARTITIONS, replication_factor=1),
                             names['dead_letter']: dict(num_partitions=1, replication_factor=1)}, wait_for_metadata=True)
    return names


@pytest.fixture
def handler_dir(tmp_path):
    directory = tmp_path / 'handlers'
    directory.mkdir()
    (directory / 'test_handlers.py').write_text(HANDLERS)
    return directory


class WorkerProcess(services.ServiceProcess):
    """One worker process, with its metrics port."""

    def __init__(self, cluster, topics, work, name, handler='eda_worker.handlers:enrich', kafka=None, **settings):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        config = dict({
            'worker_id': name,
            'kafka': {'bootstrap_servers': cluster.bootstrap, 'group_id': topics['group'], 'session_timeout_ms': 30000},
            'topics': {'input': [topics['input']], 'output': topics['output'], 'dead_letter': topics['dead_letter']},
            'handler': {'function': handler, 'path': [str(work / 'handlers')]},
            'retries': {'count': 2, 'backoff_s': 0.05, 'backoff_max_s': 0.1},
            'metrics': {'host': '127.0.0.1', 'port': self.port},
        }, **settings)
        config['kafka'].update(kafka or {})
        super(WorkerProcess, self).__init__('eda_worker', config, work, name)

    def metric(self, name, **labels):
        """The sample's value (0 when it is not there yet), or None while nothing listens."""
        metrics = services.scrape(self.url + '/metrics')
        return metrics.get((name, tuple(sorted(labels.items()))), 0.0) if metrics else None

    def wait_for(self, condition, what):
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            self.check_running(what)
            assert time.monotonic() < deadline, '%s not within %ss:\n%s' % (what, WAIT_SECONDS, self.log())
            time.sleep(0.1)
        return self

    def assigned(self):
        return self.metric('eda_worker_assigned_partitions') or 0

    def wait_assigned(self, count=None):
        return self.wait_for(lambda: self.assigned() == count if count is not None else self.assigned() > 0, 'partitions assigned')


@pytest.fixture
def workers():
    started = []
    yield started
    for worker in started:
        worker.stop(signal.SIGKILL)


def produce(cluster, topic, numbers):
    """One JSON event per number, keyed and with a header, round robin over the partitions."""
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks='all')
    try:
        for number in numbers:
            producer.send(topic, key=b'key-%d' % number, value=json.dumps({'n': number}).encode(),
                          headers=[('trace', b'trace-%d' % number)], partition=number % PARTITIONS)
        producer.flush(60)
    finally:
        producer.close()


def read_all(cluster, topic):
    """Every record of the topic: [(key, value, headers)]."""
    return [(record.key, record.value, list(record.headers)) for record in services.read_records(cluster, topic)]


def output_numbers(cluster, topic):
    """How often each input number arrived in the output topic."""
    return collections.Counter(json.loads(value)['n'] for key, value, headers in read_all(cluster, topic))


def wait_for_outputs(cluster, topic, expected, worker):
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        counts = output_numbers(cluster, topic)
        if set(counts) >= expected:
            return counts
        worker.check_running('the outputs')
        assert time.monotonic() < deadline, '%d of %d events in the output within %ss:\n%s' % (len(set(counts) & expected), len(expected),
                                                                                               WAIT_SECONDS, worker.log())
        time.sleep(0.5)


def committed(cluster, group, topic):
    with contextlib.closing(cluster.admin()) as admin:
        offsets = admin.list_group_offsets(group)[group]
    return dict((tp.partition, meta.offset) for tp, meta in offsets.items() if tp.topic == topic)


def end_offsets(cluster, topic):
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap)
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        return dict((tp.partition, offset) for tp, offset in consumer.end_offsets(partitions).items())
    finally:
        consumer.close()


def wait_committed(cluster, topics, worker):
    """Until the group's commits reach the input's log end on every partition."""
    ends = end_offsets(cluster, topics['input'])
    worker.wait_for(lambda: committed(cluster, topics['group'], topics['input']) == ends, 'offsets committed up to %s' % ends)


def test_every_event_arrives_once_enriched_and_is_committed(cluster, topics, tmp_path, handler_dir, workers):
    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-once'))
    worker = workers[-1].wait_assigned(PARTITIONS)
    numbers = set(range(300))
    produce(cluster, topics['input'], sorted(numbers))
    wait_for_outputs(cluster, topics['output'], numbers, worker)
    wait_committed(cluster, topics, worker)
    records = read_all(cluster, topics['output'])
    counts = collections.Counter(json.loads(value)['n'] for key, value, headers in records)
    assert counts == collections.Counter(dict((n, 1) for n in numbers))
    key, value, headers = next(record for record in records if json.loads(record[1])['n'] == 7)
    document = json.loads(value)
    assert (key, headers) == (b'key-7', [('trace', b'trace-7')])
    assert document['_eda']['source'] == {'topic': topics['input'], 'partition': 7 % PARTITIONS, 'offset': 7 // PARTITIONS}
    assert document['_eda']['worker_id'] == 'w-once'
    assert worker.metric('eda_worker_events_handled_total', topic=topics['input']) == len(numbers)
    assert worker.metric('eda_worker_produce_latency_seconds_count') == len(numbers)
    assert requests.get(worker.url + '/health', timeout=5).status_code == 200
    assert worker.stop() == 0


def source_positions(cluster, topic):
    """How often each input (partition, offset) arrived in the output, read from the outputs' _eda.source."""
    sources = (json.loads(value)['_eda']['source'] for key, value, headers in read_all(cluster, topic))
    return collections.Counter((source['partition'], source['offset']) for source in sources)


def test_a_worker_killed_mid_stream_loses_nothing_when_started_again(cluster, topics, tmp_path, handler_dir, workers):
    produce(cluster, topics['input'], range(3000))
    ends = end_offsets(cluster, topics['input'])
    every_event = set((partition, offset) for partition, end in ends.items() for offset in range(end))
    # The killed member stays in the group until its session times out: keep that short.
    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-killed', handler='test_handlers:slow_enrich', commit_interval_s=0.5,
                                 kafka={'session_timeout_ms': 8000}))
    first = workers[-1].wait_assigned(PARTITIONS)
    first.wait_for(lambda: (first.metric('eda_worker_events_handled_total', topic=topics['input']) or 0) >= 600, '600 events handled')
    first.stop(signal.SIGKILL)
    at_kill = committed(cluster, topics['group'], topics['input'])
    before = source_positions(cluster, topics['output'])
    assert 0 < len(before) < len(every_event), 'the kill did not land mid-stream (%d of %d out)' % (len(before), len(every_event))
    # What was committed had its output acknowledged: every event below a committed offset is out already.
    assert at_kill and all((partition, offset) in before for partition, end in at_kill.items() for offset in range(end))

    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-restarted', handler='test_handlers:slow_enrich'))
    again = workers[-1].wait_assigned(PARTITIONS)
    wait_committed(cluster, topics, again)
    after = source_positions(cluster, topics['output'])
    assert set(after) == every_event, 'lost: %s' % sorted(every_event - set(after))[:20]
    duplicates = [position for position, count in after.items() if count > 1]
    # Handled twice are only events after the commit point at the kill, each at most twice.
    assert all(offset >= at_kill.get(partition, 0) for partition, offset in duplicates)
    assert max(after.values()) <= 2
    assert again.stop() == 0


def test_a_failing_handler_dead_letters_the_event_with_the_error_headers(cluster, topics, tmp_path, handler_dir, workers):
    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-fails', handler='test_handlers:always_fails'))
    worker = workers[-1].wait_assigned(PARTITIONS)
    produce(cluster, topics['input'], [0, 1, 2, 3])
    wait_committed(cluster, topics, worker)
    dead = sorted(read_all(cluster, topics['dead_letter']))
    assert [(key, value) for key, value, headers in dead] == [(b'key-%d' % n, b'{"n": %d}' % n) for n in range(4)]
    key, value, headers = dead[1]
    assert headers[0] == ('trace', b'trace-1')
    added = dict((name, header.decode()) for name, header in headers[1:])
    assert added == {
        'eda.error.class': 'ValueError',
        'eda.error.message': 'refused by the test: {"n": 1}',
        'eda.error.handler': 'test_handlers:always_fails',
        'eda.source.topic': topics['input'],
        'eda.source.partition': '1',
        'eda.source.offset': '0',
        'eda.attempts': '3',
        'eda.worker.id': 'w-fails',
    }
    assert read_all(cluster, topics['output']) == []
    assert worker.metric('eda_worker_events_dead_lettered_total', topic=topics['input']) == 4
    assert worker.metric('eda_worker_handler_retries_total', topic=topics['input']) == 8
    assert worker.metric('eda_worker_handler_failures_total', error_class='ValueError') == 12
    assert worker.stop() == 0


def test_sigterm_leaves_the_group_so_the_other_member_takes_over_at_once(cluster, topics, tmp_path, handler_dir, workers):
    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-leaving'))
    leaving = workers[-1].wait_assigned(PARTITIONS)
    workers.append(WorkerProcess(cluster, topics, tmp_path, 'w-staying'))
    staying = workers[-1]
    staying.wait_for(lambda: staying.assigned() > 0 and leaving.assigned() + staying.assigned() == PARTITIONS, 'the partitions shared')
    produce(cluster, topics['input'], range(30))
    wait_committed(cluster, topics, staying)
    started = time.monotonic()
    assert leaving.stop() == 0
    staying.wait_assigned(PARTITIONS)
    took = time.monotonic() - started
    # Without a LeaveGroup the coordinator would wait for the 30 s session timeout.
    assert took < 10, 'the remaining member got every partition after %.1fs' % took
    produce(cluster, topics['input'], range(30, 60))
    counts = wait_for_outputs(cluster, topics['output'], set(range(60)), staying)
    assert counts == collections.Counter(dict((n, 1) for n in range(60)))
    assert 'stopped' in leaving.log()
