# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_topic_info and kafka_consumer_group_info against real brokers."""

import contextlib

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition

from tests.integration.conftest import cluster_state, connection, ensure_offsets_topic, produce

MESSAGES_PER_PARTITION = 10


@pytest.mark.each_version
def test_topic_info_filters_and_configs(module, single, prefix):
    ensure_offsets_topic(single)
    created = module('kafka_topic', dict(connection(single), topics=[
        dict(name='%s.a' % prefix, partitions=2, config={'retention.ms': 3600000}),
        dict(name='%s.b' % prefix)]))
    assert created['rc'] == 0

    by_names = module('kafka_topic_info', dict(connection(single), names=['%s.a' % prefix, '%s.missing' % prefix]))
    assert by_names['rc'] == 0 and by_names['changed'] is False
    assert sorted(by_names['topics']) == ['%s.a' % prefix] and by_names['missing'] == ['%s.missing' % prefix]
    topic = by_names['topics']['%s.a' % prefix]
    assert topic['partitions'] == 2 and topic['replication_factor'] == 1 and topic['internal'] is False
    assert topic['config'] == {'retention.ms': '3600000'}
    assert [(p['partition'], p['leader'], p['replicas'], p['isr']) for p in topic['partition_details']] == [(0, 1, [1], [1]), (1, 1, [1], [1])]
    assert by_names['cluster']['brokers'] == [1]

    by_pattern = module('kafka_topic_info', dict(connection(single), pattern=r'%s\..*' % prefix))
    assert sorted(by_pattern['topics']) == ['%s.a' % prefix, '%s.b' % prefix]

    everything = module('kafka_topic_info', connection(single))
    assert '__consumer_offsets' not in everything['topics'] and '%s.b' % prefix in everything['topics']
    with_internal = module('kafka_topic_info', dict(connection(single), include_internal=True))
    assert with_internal['topics']['__consumer_offsets']['internal'] is True
    # What the module reports is what kafka-python reads directly.
    state = cluster_state(single)
    for name, info in with_internal['topics'].items():
        assert dict((p['partition'], p['replicas']) for p in info['partition_details']) == state[name]['partitions']
        assert info['config'] == state[name]['config'] or name.startswith('__')


@pytest.fixture
def lagging_group(single, prefix):
    """A topic with 3 x 10 messages and a group that consumed and committed 5 of partition 0
    and nothing else, with its consumer still in the group."""
    topic, group = '%s.events' % prefix, '%s-group' % prefix
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({topic: dict(num_partitions=3, replication_factor=1)}, wait_for_metadata=True)
    producer = KafkaProducer(bootstrap_servers=single.bootstrap)
    for partition in range(3):
        for number in range(MESSAGES_PER_PARTITION):
            producer.send(topic, b'message %d' % number, partition=partition)
    producer.flush()
    producer.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=single.bootstrap, group_id=group, client_id='%s-client' % prefix,
                             enable_auto_commit=False, auto_offset_reset='earliest')
    for attempt in range(30):
        consumer.poll(timeout_ms=1000, max_records=1)
        if len(consumer.assignment()) == 3:
            break
    assert len(consumer.assignment()) == 3
    consumer.commit({TopicPartition(topic, 0): OffsetAndMetadata(5, '', -1)})
    yield topic, group
    consumer.close()


@pytest.mark.each_version
def test_consumer_group_lag(module, single, lagging_group, prefix):
    topic, group = lagging_group
    result = module('kafka_consumer_group_info', dict(connection(single), groups=[group, '%s-nobody' % prefix]))
    assert result['rc'] == 0 and result['missing'] == ['%s-nobody' % prefix]
    report = result['groups'][group]
    assert report['state'] == 'Stable' and report['protocol_type'] == 'consumer'
    assert len(report['members']) == 1
    member = report['members'][0]
    assert member['client_id'] == '%s-client' % prefix
    assert member['assignment'] == ['%s-0' % topic, '%s-1' % topic, '%s-2' % topic]
    rows = [(r['partition'], r['committed_offset'], r['log_end_offset'], r['lag'], r['member_id']) for r in report['partitions']]
    # Partitions 1 and 2 were never committed: the whole log is lag.
    assert rows == [(0, 5, 10, 5, member['member_id']), (1, None, 10, 10, member['member_id']), (2, None, 10, 10, member['member_id'])]
    assert report['uncommitted_partitions'] == ['%s-1' % topic, '%s-2' % topic]
    assert report['topic_lag'] == {topic: 25} and report['total_lag'] == 25

    by_pattern = module('kafka_consumer_group_info', dict(connection(single), pattern='%s-.*' % prefix))
    assert sorted(by_pattern['groups']) == [group]


def test_consumer_group_max_lag(module, single, lagging_group):
    topic, group = lagging_group
    within = module('kafka_consumer_group_info', dict(connection(single), groups=[group], max_lag=25))
    assert within['rc'] == 0 and within['groups'][group]['total_lag'] == 25
    over = module('kafka_consumer_group_info', dict(connection(single), groups=[group], max_lag=24))
    assert over['rc'] != 0 and over['msg'] == ('group %s lags 25 messages, more than max_lag 24 (counting the whole log of the '
                                               'partitions it never committed: %s-1, %s-2)' % (group, topic, topic))
    assert over['groups'][group]['total_lag'] == 25, 'the report comes with the failure'


def test_a_group_that_never_committed_lags_by_the_whole_log(module, single, prefix):
    topic, group = '%s.idle' % prefix, '%s-idle' % prefix
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({topic: dict(num_partitions=2, replication_factor=1)}, wait_for_metadata=True)
    produce(single, topic, 7, partitions=2)
    consumer = KafkaConsumer(topic, bootstrap_servers=single.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        for attempt in range(30):
            consumer.poll(timeout_ms=1000, max_records=1)
            if len(consumer.assignment()) == 2:
                break
        result = module('kafka_consumer_group_info', dict(connection(single), groups=[group], max_lag=0))
    finally:
        consumer.close()
    assert result['rc'] != 0 and result['msg'].startswith('group %s lags 14 messages, more than max_lag 0' % group)
    assert result['groups'][group]['uncommitted_partitions'] == ['%s-0' % topic, '%s-1' % topic]


def test_a_named_group_that_does_not_exist_fails_max_lag(module, single, lagging_group, prefix):
    topic, group = lagging_group
    missing = '%s-typo' % prefix
    result = module('kafka_consumer_group_info', dict(connection(single), groups=[group, missing], max_lag=1000))
    assert result['rc'] != 0 and result['missing'] == [missing]
    assert result['msg'] == ('max_lag cannot be checked for consumer groups that do not exist: %s; check the group ids '
                             '(a group exists once a consumer joined it or offsets were committed for it)' % missing)
    described = module('kafka_consumer_group_info', dict(connection(single), groups=[missing]))
    assert described['rc'] == 0 and described['missing'] == [missing], 'without max_lag it is only reported'
