# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The event gateway as a local process (127.0.0.1) in front of a real one-broker KRaft cluster.

The module boots a cluster of its own (the kafka role's default version) rather than the shared
`single` clusters: it pauses and stops its broker, which must not disturb other tests. Records
are read back with kafka-python, independent of the gateway's client.
"""

import base64
import contextlib
import json
import signal
import sys
import threading
import time
import uuid

import pytest
import requests
from kafka import KafkaConsumer
from kafka.structs import TopicPartition

from tests import collection_root
from tests.containers import docker, free_port
from tests.integration import services

sys.path.insert(0, str(collection_root.SERVICES))

from eda_gateway.auth import hash_secret  # noqa: E402

JSON = 'application/vnd.kafka.json.v2+json'
BINARY = 'application/vnd.kafka.binary.v2+json'
TEXT = 'application/vnd.kafka.text.v2+json'
API_KEY = 'key-%s' % uuid.uuid4().hex
SENSOR_PASSWORD = uuid.uuid4().hex
MAX_RECORDS = 8
WAIT_SECONDS = 60


def b64(data):
    return base64.b64encode(data).decode()


@pytest.fixture(scope='module')
def cluster():
    with services.one_broker('gateway') as lab_cluster:
        yield lab_cluster


@pytest.fixture(scope='module')
def topics(cluster):
    names = dict((role, 'gw%s-%s' % (uuid.uuid4().hex[:6], role)) for role in ('orders', 'telemetry', 'forbidden'))
    with contextlib.closing(cluster.admin()) as admin:
        admin.create_topics({names['orders']: dict(num_partitions=3, replication_factor=1),
                             names['telemetry']: dict(num_partitions=1, replication_factor=1),
                             names['forbidden']: dict(num_partitions=1, replication_factor=1)}, wait_for_metadata=True)
        # Records over 2,000 bytes are refused by the broker: per-record failures on demand.
        names['small'] = names['orders'] + '.small'
        admin.create_topics({names['small']: dict(num_partitions=2, replication_factor=1, configs={'max.message.bytes': '2000'})},
                            wait_for_metadata=True)
    names['missing'] = names['orders'] + '.missing'
    return names


def gateway_config(cluster, topics, port):
    return {
        'listen': {'host': '127.0.0.1', 'port': port},
        'kafka': {'bootstrap_servers': cluster.bootstrap, 'metadata_interval_s': 0.5, 'ready_max_age_s': 3, 'delivery_timeout_ms': 30000},
        'limits': {'max_body_bytes': 65536, 'max_records': MAX_RECORDS, 'max_inflight_records': MAX_RECORDS, 'max_inflight_bytes': 1048576},
        'idempotency': {'window_s': 60, 'max_keys': 100},
        'sources': [
            # orders.* admits the missing topic's name: it must get 404, not 403.
            {'name': 'shop', 'topics': [topics['orders'], topics['orders'] + '.*'], 'api_key_hashes': [hash_secret(API_KEY, 1000)]},
            {'name': 'sensors', 'topics': [topics['telemetry']], 'username': 'sensor', 'password_hash': hash_secret(SENSOR_PASSWORD, 1000)},
        ],
    }


class Gateway(services.ServiceProcess):
    """One gateway process; stop() sends SIGTERM and returns its exit code."""

    def __init__(self, settings, work):
        self.port = settings['listen']['port']
        self.url = 'http://127.0.0.1:%d' % self.port
        super(Gateway, self).__init__('eda_gateway', settings, work, 'gateway-%d' % self.port)

    def wait_ready(self):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            self.check_running('/ready')
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.url + '/ready', timeout=5).status_code == 200:
                    return self
            time.sleep(0.2)
        raise AssertionError('gateway not ready within %ss:\n%s' % (WAIT_SECONDS, self.log()))

    def post(self, topic, records=None, content_type=JSON, auth=('key', API_KEY), data=None, headers=None):
        headers = dict(headers or {}, **{'Content-Type': content_type})
        if auth and auth[0] == 'key':
            headers['Authorization'] = 'Bearer %s' % auth[1]
        body = data if data is not None else json.dumps({'records': records})
        response = requests.post('%s/topics/%s' % (self.url, topic), data=body, headers=headers,
                                 auth=auth[1:] if auth and auth[0] == 'basic' else None, timeout=WAIT_SECONDS)
        return response

    def metrics(self):
        return services.scrape(self.url + '/metrics')

    def metric(self, name, **labels):
        return self.metrics().get((name, tuple(sorted(labels.items()))), 0.0)

    def wait_metric(self, name, value):
        deadline = time.monotonic() + WAIT_SECONDS
        while self.metric(name) != value:
            assert time.monotonic() < deadline, '%s did not reach %s within %ss' % (name, value, WAIT_SECONDS)
            time.sleep(0.05)


@pytest.fixture(scope='module')
def gateway(cluster, topics, tmp_path_factory):
    process = Gateway(gateway_config(cluster, topics, free_port()), tmp_path_factory.mktemp('gateway'))
    try:
        yield process.wait_ready()
    finally:
        process.stop()


def read_back(cluster, topic):
    """[(partition, offset, key, value, headers)] of every record of the topic."""
    return sorted((r.partition, r.offset, r.key, r.value, list(r.headers)) for r in services.read_records(cluster, topic))


def end_offsets(cluster, topic):
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        return dict((tp.partition, offset) for tp, offset in consumer.end_offsets(partitions).items())
    finally:
        consumer.close()


@contextlib.contextmanager
def broker_paused(cluster):
    """Kafka holds every acknowledgement while paused; the gateway's records stay in flight."""
    name = cluster.containers[0].name
    docker('pause', name)
    try:
        yield
    finally:
        docker('unpause', name)


def in_background(function, *args, **kwargs):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault('value', function(*args, **kwargs)), daemon=True)
    thread.start()
    return thread, result


def test_records_produced_with_key_value_headers_partition(cluster, topics, gateway):
    topic = topics['orders']
    answers = [
        gateway.post(topic, [{'key': 'order-1', 'value': {'total': 12.5}, 'partition': 2, 'headers': [{'key': 'trace', 'value': b64(b'\x00t1')}]},
                             {'value': ['no', 'key']}]),
        gateway.post(topic, [{'key': b64(b'\xffbin'), 'value': b64(b'\x00\x01'), 'partition': 1}], content_type=BINARY),
        gateway.post(topic, [{'key': 'txt', 'value': 'plain text é', 'partition': 0}], content_type=TEXT),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(answer.headers['Content-Type'].startswith('application/vnd.kafka.v2+json') for answer in answers)
    offsets = [entry for answer in answers for entry in answer.json()['offsets']]
    assert [entry['partition'] for entry in offsets if entry is not offsets[1]] == [2, 1, 0]
    found = read_back(cluster, topic)
    by_position = dict(((partition, offset), (key, value, headers)) for partition, offset, key, value, headers in found)
    assert by_position[(offsets[0]['partition'], offsets[0]['offset'])] == (b'"order-1"', b'{"total":12.5}', [('trace', b'\x00t1')])
    assert by_position[(offsets[1]['partition'], offsets[1]['offset'])] == (None, b'["no","key"]', [])
    assert by_position[(offsets[2]['partition'], offsets[2]['offset'])] == (b'\xffbin', b'\x00\x01', [])
    assert by_position[(offsets[3]['partition'], offsets[3]['offset'])] == (b'txt', 'plain text é'.encode(), [])
    assert len(found) == 4


def test_every_refusal_has_its_status_and_produces_nothing(cluster, topics, gateway):
    orders = topics['orders']
    before = end_offsets(cluster, orders)
    good = [{'value': 1}]
    cases = [
        (401, 'credentials required', dict(topic=orders, records=good, auth=None)),
        (401, 'unknown API key', dict(topic=orders, records=good, auth=('key', 'wrong-key'))),
        (401, 'wrong user name or password', dict(topic=topics['telemetry'], records=good, auth=('basic', 'sensor', 'wrong'))),
        (403, 'may not write to topic %s' % topics['forbidden'], dict(topic=topics['forbidden'], records=good)),
        (403, 'may not write to topic %s' % orders, dict(topic=orders, records=good, auth=('basic', 'sensor', SENSOR_PASSWORD))),
        (415, 'unsupported Content-Type', dict(topic=orders, records=good, content_type='application/json')),
        (413, 'the maximum is 65536', dict(topic=orders, records=[{'value': 'x' * 70000}])),
        (413, '9 records in one request, the maximum is 8', dict(topic=orders, records=good * 9)),
        (422, 'not valid JSON', dict(topic=orders, data='{"records": [')),
        (422, 'records[1] has no value', dict(topic=orders, records=[{'value': 1}, {'key': 'k'}])),
        (422, 'records[1].partition 3 does not exist', dict(topic=orders, records=[{'value': 1}, {'value': 2, 'partition': 3}])),
        (422, 'records[0].value is not valid base64', dict(topic=orders, records=[{'value': '%%%'}], content_type=BINARY)),
        (404, 'topic %s does not exist' % topics['missing'], dict(topic=topics['missing'], records=good)),
    ]
    got = []
    for status, fragment, request in cases:
        answer = gateway.post(**request)
        document = answer.json()
        got.append((answer.status_code, document['error_code'], fragment in document['message']))
    assert got == [(status, status, True) for status, fragment, request in cases]
    assert end_offsets(cluster, orders) == before
    assert end_offsets(cluster, topics['forbidden']) == {0: 0}
    with contextlib.closing(cluster.admin()) as admin:
        assert topics['missing'] not in admin.list_topics()


def test_basic_auth_source_writes_its_topic(cluster, topics, gateway):
    answer = gateway.post(topics['telemetry'], [{'value': {'t': 21.5}}], auth=('basic', 'sensor', SENSOR_PASSWORD))
    assert answer.status_code == 200
    assert [record[3] for record in read_back(cluster, topics['telemetry'])] == [b'{"t":21.5}']


def test_idempotent_retry_is_not_produced_twice(cluster, topics, gateway):
    topic = topics['orders']
    before = sum(end_offsets(cluster, topic).values())
    key = {'Idempotency-Key': uuid.uuid4().hex}
    first = gateway.post(topic, [{'value': 'once'}, {'value': 'twice?'}], headers=key)
    retry = gateway.post(topic, [{'value': 'once'}, {'value': 'twice?'}], headers=key)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json()
    assert sum(end_offsets(cluster, topic).values()) == before + 2


def test_full_buffer_is_429_and_a_duplicate_in_flight_waits_for_the_first(cluster, topics, gateway):
    topic = topics['orders']
    before = sum(end_offsets(cluster, topic).values())
    key = {'Idempotency-Key': uuid.uuid4().hex}
    records = [{'value': n} for n in range(MAX_RECORDS)]
    with broker_paused(cluster):
        first, first_result = in_background(gateway.post, topic, records, headers=key)
        gateway.wait_metric('eda_gateway_inflight_records', MAX_RECORDS)
        full = gateway.post(topic, [{'value': 'no room'}])
        replays = gateway.metric('eda_gateway_idempotent_replays_total')
        duplicate, duplicate_result = in_background(gateway.post, topic, records, headers=key)
        deadline = time.monotonic() + WAIT_SECONDS
        while gateway.metric('eda_gateway_idempotent_replays_total') == replays:
            assert time.monotonic() < deadline, 'the duplicate request never reached the gateway'
            time.sleep(0.05)
    first.join(WAIT_SECONDS)
    duplicate.join(WAIT_SECONDS)
    assert (full.status_code, full.headers['Retry-After']) == (429, '1')
    assert 'at its bound' in full.json()['message']
    assert first_result['value'].status_code == 200
    assert duplicate_result['value'].json() == first_result['value'].json()
    assert len(first_result['value'].json()['offsets']) == MAX_RECORDS
    assert sum(end_offsets(cluster, topic).values()) == before + MAX_RECORDS
    gateway.wait_metric('eda_gateway_inflight_records', 0)


def test_failed_records_are_not_hidden_behind_a_200(cluster, topics, gateway):
    small, big = {'value': 'fits', 'partition': 0}, {'value': 'x' * 5000, 'partition': 1}
    mixed = gateway.post(topics['small'], [small, big])
    failed = gateway.post(topics['small'], [big])
    assert mixed.status_code == 207
    ok, refused = mixed.json()['offsets']
    assert ok['partition'] == 0 and 'offset' in ok
    assert refused['error_code'] == 500 and 'MSG_SIZE_TOO_LARGE' in refused['message']
    assert failed.status_code == 500
    assert [entry['error_code'] for entry in failed.json()['offsets']] == [500]
    assert [(record[0], record[3]) for record in read_back(cluster, topics['small'])] == [(0, b'"fits"')]


def test_metrics_exposed(gateway, topics):
    metrics = gateway.metrics()
    route = '/topics/{topic}'
    assert metrics[('eda_gateway_http_requests_total', (('code', '200'), ('route', route)))] >= 5
    assert metrics[('eda_gateway_http_requests_total', (('code', '429'), ('route', route)))] >= 1
    assert metrics[('eda_gateway_http_requests_total', (('code', '401'), ('route', route)))] >= 3
    assert metrics[('eda_gateway_records_total', (('result', 'produced'), ('topic', topics['orders'])))] >= 4
    assert metrics[('eda_gateway_produce_latency_seconds_count', ())] >= 5
    assert ('eda_gateway_buffer_fill_ratio', ()) in metrics
    assert metrics[('eda_gateway_ready', ())] == 1.0


def test_sigterm_answers_requests_in_flight_then_exits(cluster, topics, tmp_path):
    other = Gateway(gateway_config(cluster, topics, free_port()), tmp_path).wait_ready()
    try:
        before = sum(end_offsets(cluster, topics['orders']).values())
        with broker_paused(cluster):
            request, result = in_background(other.post, topics['orders'], [{'value': 'in flight at shutdown'}])
            other.wait_metric('eda_gateway_inflight_records', 1)
            other.process.send_signal(signal.SIGTERM)
            time.sleep(0.5)  # the signal is handled while Kafka still holds the acknowledgement
            assert other.process.poll() is None
        request.join(WAIT_SECONDS)
        assert result['value'].status_code == 200
        # One SIGTERM is enough (a second one would abort the flush, as docker's SIGKILL does).
        assert other.process.wait(WAIT_SECONDS) == 0
        assert sum(end_offsets(cluster, topics['orders']).values()) == before + 1
    finally:
        other.stop()


def test_sigterm_drains_first_ready_fails_while_requests_are_still_served(cluster, topics, tmp_path):
    settings = gateway_config(cluster, topics, free_port())
    settings['listen']['drain_s'] = 3
    draining = Gateway(settings, tmp_path).wait_ready()
    try:
        draining.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + WAIT_SECONDS
        while requests.get(draining.url + '/ready', timeout=5).status_code == 200:
            assert time.monotonic() < deadline, '/ready still 200 %ss after SIGTERM' % WAIT_SECONDS
            time.sleep(0.1)
        # Within the drain: not ready, and still producing.
        answered = draining.post(topics['orders'], [{'value': 'sent while draining'}])
        assert answered.status_code == 200 and 'error_code' not in answered.json()['offsets'][0]
        assert draining.process.poll() is None
        assert draining.process.wait(WAIT_SECONDS) == 0
        assert 'stopping: /ready fails for 3s before the listener closes' in draining.log()
    finally:
        draining.stop()


def test_ready_is_false_while_the_broker_is_stopped_and_true_again_after(cluster, topics, gateway):
    broker = cluster.containers[0]
    broker.stop()
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            ready = requests.get(gateway.url + '/ready', timeout=10)
            if ready.status_code != 200:
                break
            assert time.monotonic() < deadline, '/ready stayed 200 for %ss with the broker stopped' % WAIT_SECONDS
            time.sleep(0.2)
        assert ready.status_code == 503
        assert ready.json()['ready'] is False
        assert requests.get(gateway.url + '/health', timeout=10).status_code == 200
    finally:
        broker.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while requests.get(gateway.url + '/ready', timeout=10).status_code != 200:
        assert time.monotonic() < deadline, '/ready not 200 again within %ss of the broker starting' % WAIT_SECONDS
        time.sleep(0.2)
    assert gateway.post(topics['orders'], [{'value': 'after the restart'}]).status_code == 200
