# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_records_info against a real broker: where it starts, what it keeps, how long it waits, and
that it leaves no consumer group behind."""

import base64
import contextlib
import json
import threading
import time

import pytest
from kafka import KafkaProducer

from tests.integration.conftest import connection

PARTITIONS = 3
PER_PARTITION = 10


def send(cluster, topic, records):
    """(partition, key, value, headers) tuples, acknowledged by the broker."""
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks='all')
    try:
        for partition, key, value, headers in records:
            producer.send(topic, key=key, value=value, headers=headers, partition=partition)
        producer.flush(60)
    finally:
        producer.close()


def sample(number, partition):
    """JSON values, every third record keyed 'even' or 'odd' and tagged with a run header."""
    key = (b'even' if number % 2 == 0 else b'odd') if number % 3 == 0 else None
    headers = [('run', b'r1'), ('n', str(number).encode())] if number % 3 == 0 else []
    return partition, key, json.dumps(dict(n=number, p=partition)).encode(), headers


@pytest.fixture
def topic(single, prefix):
    name = '%s.records' % prefix
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({name: dict(num_partitions=PARTITIONS, replication_factor=1)}, wait_for_metadata=True)
    send(single, name, [sample(number, partition) for partition in range(PARTITIONS) for number in range(PER_PARTITION)])
    return name


def groups(cluster):
    with contextlib.closing(cluster.admin()) as admin:
        return sorted(group['group_id'] for group in admin.list_groups())


def test_reads_every_record_in_order_and_joins_no_group(module, single, topic):
    before = groups(single)
    result = module('kafka_records_info', dict(connection(single), topic=topic, value_format='json'))
    assert result['rc'] == 0 and result['changed'] is False, result
    assert result['count'] == result['scanned'] == PARTITIONS * PER_PARTITION and result['truncated'] is False
    assert [(r['partition'], r['offset']) for r in result['records']] == [(p, o) for p in range(PARTITIONS) for o in range(PER_PARTITION)]
    assert [r['value'] for r in result['records']] == [dict(n=o, p=p) for p in range(PARTITIONS) for o in range(PER_PARTITION)]
    first = result['records'][0]
    assert first['key'] == 'even' and first['headers'] == {'run': 'r1', 'n': '0'} and first['timestamp'] > 0
    assert result['records'][1]['key'] is None and result['records'][1]['headers'] == {}
    assert result['start_offsets'] == dict((str(p), 0) for p in range(PARTITIONS))
    assert result['end_offsets'] == dict((str(p), PER_PARTITION) for p in range(PARTITIONS))
    assert groups(single) == before


def test_starting_points(module, single, topic):
    last = module('kafka_records_info', dict(connection(single), topic=topic, last=2, value_format='json'))
    assert [(r['partition'], r['offset']) for r in last['records']] == [(p, o) for p in range(PARTITIONS) for o in (8, 9)]

    offsets = module('kafka_records_info', dict(connection(single), topic=topic, partitions=[1], start_offsets={'1': 7}))
    assert [(r['partition'], r['offset']) for r in offsets['records']] == [(1, 7), (1, 8), (1, 9)]
    assert offsets['start_offsets'] == {'1': 7}

    # Records sent after a point in time, and none after the end.
    marker = int(time.time() * 1000)
    time.sleep(0.05)
    send(single, topic, [(2, b'late', b'{"late": true}', [])])
    since = module('kafka_records_info', dict(connection(single), topic=topic, start_timestamp=marker, value_format='json'))
    assert [(r['partition'], r['key'], r['value']) for r in since['records']] == [(2, 'late', {'late': True})]
    future = module('kafka_records_info', dict(connection(single), topic=topic, start_timestamp=marker + 3600000))
    assert future['rc'] == 0 and future['count'] == 0 and future['start_offsets'] == future['end_offsets']


def test_filters_formats_and_the_bound(module, single, topic):
    keyed = module('kafka_records_info', dict(connection(single), topic=topic, key='odd'))
    # n % 3 == 0 and odd: 3 and 9, in every partition.
    assert [(r['partition'], r['offset']) for r in keyed['records']] == [(p, o) for p in range(PARTITIONS) for o in (3, 9)]
    assert keyed['scanned'] == PARTITIONS * PER_PARTITION

    tagged = module('kafka_records_info', dict(connection(single), topic=topic, headers={'run': 'r1', 'n': '6'}, value_format='json'))
    assert [r['value'] for r in tagged['records']] == [dict(n=6, p=p) for p in range(PARTITIONS)]

    raw = module('kafka_records_info', dict(connection(single), topic=topic, partitions=[0], last=1, value_format='base64'))
    assert json.loads(base64.b64decode(raw['records'][0]['value'])) == dict(n=9, p=0)

    bounded = module('kafka_records_info', dict(connection(single), topic=topic, max_records=4))
    assert bounded['rc'] == 0 and bounded['count'] == 4 and bounded['truncated'] is True
    assert [(r['partition'], r['offset']) for r in bounded['records']] == [(0, 0), (0, 1), (0, 2), (0, 3)]


def test_waits_for_records_sent_while_it_reads(module, single, topic):
    later = [(0, b'w', json.dumps(dict(wait=n)).encode(), [('run', b'r2')]) for n in range(5)]
    sender = threading.Timer(3, send, args=(single, topic, later))
    sender.start()
    try:
        waited = module('kafka_records_info', dict(connection(single), topic=topic, headers={'run': 'r2'}, min_records=5,
                                                   timeout=60, value_format='json'))
    finally:
        sender.join()
    assert waited['rc'] == 0, waited
    assert [r['value'] for r in waited['records']] == [dict(wait=n) for n in range(5)]

    short = module('kafka_records_info', dict(connection(single), topic=topic, headers={'run': 'r2'}, min_records=6, timeout=3))
    assert short['rc'] == 1 and short['failed'] is True
    assert short['msg'].startswith('Found 5 of the 6 matching records waited for in %s within 3s' % topic), short['msg']
    assert short['count'] == 5 and len(short['records']) == 5


@pytest.mark.parametrize('args, message', [
    (dict(topic='{missing}'), 'Topic {missing} does not exist'),
    (dict(partitions=[0, 7]), 'has partitions 0, 1, 2, not 7'),
    (dict(start_offsets={'5': 0}), 'has partitions 0, 1, 2, not 5'),
    (dict(start_offsets={'0': -1}), 'start_offsets are offsets, not negative numbers: partition(s) 0'),
    (dict(last=1, start_timestamp=0), 'parameters are mutually exclusive: start_offsets|start_timestamp|last'),
    (dict(max_records=100001), 'max_records is at most 100000'),
    (dict(min_records=5, max_records=2), 'min_records (5) is above max_records (2)'),
    (dict(timeout=0), 'timeout must be at least 1'),
])
def test_refuses_bad_requests(module, single, topic, prefix, args, message):
    args = dict(dict(topic=topic), **args)
    args['topic'] = args['topic'].format(missing='%s.missing' % prefix)
    result = module('kafka_records_info', dict(connection(single), **args))
    assert result['rc'] == 1 and message.format(missing='%s.missing' % prefix) in result['msg'], result['msg']


def test_refuses_a_value_that_is_not_json(module, single, topic):
    send(single, topic, [(1, None, b'not json', [])])
    result = module('kafka_records_info', dict(connection(single), topic=topic, partitions=[1], last=1, value_format='json'))
    assert result['rc'] == 1
    assert 'The value of the record at partition 1 offset 10 is not JSON' in result['msg'] and 'value_format text' in result['msg']
    as_text = module('kafka_records_info', dict(connection(single), topic=topic, partitions=[1], last=1))
    assert as_text['records'][0]['value'] == 'not json'
