# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""lag_exporter: reading the cluster (against a stand-in admin client), the refresh, and the metrics it renders."""


import prometheus_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from eda_lag_exporter import config
from eda_lag_exporter.exporter import Exporter

LATEST, EARLIEST = 'latest', 'earliest'


class Admin(object):
    """kafka-python's KafkaAdminClient answers, for a cluster with two topics and three groups."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.ends = {('orders', 0): 100, ('orders', 1): 40, ('__consumer_offsets', 0): 9, ('audit', 0): 12}
        self.starts = {('orders', 0): 0, ('orders', 1): 10, ('__consumer_offsets', 0): 0, ('audit', 0): 2}
        self.closed = False

    def describe_cluster(self):
        return {'brokers': [{'broker_id': 1, 'is_fenced': False}, {'broker_id': 2, 'is_fenced': False}, {'broker_id': 3, 'is_fenced': True}]}

    def describe_topics(self):
        def partitions(*numbers):
            return [{'partition_index': n} for n in numbers]
        return [{'name': 'orders', 'error_code': 0, 'partitions': partitions(1, 0)},
                {'name': '__consumer_offsets', 'error_code': 0, 'partitions': partitions(0)},
                {'name': 'audit', 'error_code': 0, 'partitions': partitions(0)},
                {'name': 'broken', 'error_code': 5, 'partitions': []}]

    def list_partition_offsets(self, specs):
        from kafka.admin import OffsetSpec  # noqa: PLC0415
        table = self.ends if set(specs.values()) == {OffsetSpec.LATEST} else self.starts
        return dict((tp, Offset(table[(tp.topic, tp.partition)])) for tp in specs)

    def list_groups(self):
        return [{'group_id': 'workers'}, {'group_id': 'idle'}, {'group_id': 'test-ignored'}]

    def describe_groups(self, ids):
        self.described = ids
        assignment = {'assigned_partitions': [{'topic': 'orders', 'partitions': [0, 1]}]}
        groups = {'workers': {'error': None, 'members': [{'member_assignment': assignment}, {'member_assignment': b'\x00opaque'}]},
                  'idle': {'error': None, 'members': []}}
        return dict((group_id, groups[group_id]) for group_id in ids)

    def list_group_offsets(self, specs):
        from kafka.structs import OffsetAndMetadata, TopicPartition  # noqa: PLC0415

        def committed(offset):
            return OffsetAndMetadata(offset, '', -1)
        return {'workers': {TopicPartition('orders', 0): committed(70), TopicPartition('audit', 0): committed(12)},
                'idle': {TopicPartition('orders', 1): committed(35), TopicPartition('deleted', 0): committed(3)}}

    def close(self):
        self.closed = True


class Offset(object):
    def __init__(self, offset):
        self.offset = offset


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def exporter(admin_factory=Admin, **settings):
    loaded = config.from_data(dict({'kafka': {'bootstrap_servers': 'k:9092'}, 'groups': {'exclude': '^test-'}}, **settings))
    return Exporter(loaded, admin_factory=admin_factory, clock=Clock())


def scrape(collector):
    registry = prometheus_client.CollectorRegistry()
    registry.register(collector)
    text = prometheus_client.generate_latest(registry).decode()
    return dict(((sample.name, tuple(sorted(sample.labels.items()))), sample.value)
                for family in text_string_to_metric_families(text) for sample in family.samples)


def labels(**pairs):
    return tuple(sorted(pairs.items()))


class TestMetrics:
    def test_kafka_exporter_names_and_values(self):
        subject = exporter()
        assert subject.refresh()
        got = scrape(subject.collector)
        group = dict(consumergroup='workers', topic='orders')
        assert got[('kafka_brokers', ())] == 2
        assert got[('kafka_topic_partitions', labels(topic='orders'))] == 2
        assert got[('kafka_topic_partition_current_offset', labels(topic='orders', partition='1'))] == 40
        assert got[('kafka_topic_partition_oldest_offset', labels(topic='orders', partition='1'))] == 10
        assert got[('kafka_consumergroup_members', labels(consumergroup='workers'))] == 2
        assert got[('kafka_consumergroup_members', labels(consumergroup='idle'))] == 0
        assert got[('kafka_consumergroup_current_offset', labels(partition='0', **group))] == 70
        assert got[('kafka_consumergroup_lag', labels(partition='0', **group))] == 30
        # Assigned, never committed: the whole log (40 - 10), and no current offset.
        assert got[('kafka_consumergroup_lag', labels(partition='1', **group))] == 30
        assert ('kafka_consumergroup_current_offset', labels(partition='1', **group)) not in got
        assert got[('kafka_consumergroup_lag_sum', labels(**group))] == 60
        assert got[('kafka_consumergroup_current_offset_sum', labels(**group))] == 70
        assert got[('kafka_consumergroup_lag', labels(consumergroup='idle', topic='orders', partition='1'))] == 5
        assert got[('kafka_consumergroup_lag_sum', labels(consumergroup='workers', topic='audit'))] == 0
        assert got[('kafka_lag_exporter_last_scrape_success', ())] == 1

    def test_filters(self):
        subject = _refreshed(exporter())
        assert subject.admin.described == ['idle', 'workers']
        got = scrape(subject.collector)
        assert not any(dict(key[1]).get('topic') == '__consumer_offsets' for key in got)
        assert not any(dict(key[1]).get('consumergroup', '').startswith('test-') for key in got)
        # A committed offset on a deleted topic has no log to lag behind.
        assert not any(dict(key[1]).get('topic') == 'deleted' for key in got)
        only = _refreshed(exporter(topics={'include': '^audit$'}, groups={'include': 'work'}))
        got = scrape(only.collector)
        assert set(dict(key[1]).get('topic') for key in got) == {None, 'audit'}
        assert set(dict(key[1]).get('consumergroup') for key in got) == {None, 'workers'}

    def test_lag_seconds_grow_while_the_group_stands_still(self):
        subject = _refreshed(exporter())
        key = ('kafka_consumergroup_lag_seconds', labels(consumergroup='workers', topic='orders', partition='0'))
        for admin_now, end in ((1010.0, 120), (1020.0, 140)):
            subject.clock.now = admin_now
            subject.admin.ends[('orders', 0)] = end
            subject.refresh()
        # Samples (1000, 100), (1010, 120), (1020, 140); the group stays at 70: 15 s before the first sample.
        assert scrape(subject.collector)[key] == pytest.approx(35.0)

    def test_a_failed_reading_drops_the_kafka_families_and_reconnects(self):
        admins = []

        def refused():
            raise OSError('connection refused')

        def flaky(**kwargs):
            admin = Admin(**kwargs)
            if not admins:
                admin.describe_cluster = refused
            admins.append(admin)
            return admin
        subject = exporter(admin_factory=flaky)
        assert not subject.refresh()
        got = scrape(subject.collector)
        assert got[('kafka_lag_exporter_last_scrape_success', ())] == 0
        assert not any(name.startswith('kafka_consumergroup') or name == 'kafka_brokers' for name, pairs in got)
        assert admins[0].closed and subject.admin is None
        assert subject.refresh()
        assert len(admins) == 2
        assert scrape(subject.collector)[('kafka_lag_exporter_last_scrape_success', ())] == 1

    def test_the_client_gets_the_security_settings(self):
        subject = _refreshed(exporter(kafka={'bootstrap_servers': ['k:9093'], 'security_protocol': 'SASL_SSL', 'sasl_username': 'lag',
                                             'sasl_password': 'pw', 'ssl_ca_file': '/ca.pem'}))
        assert subject.admin.kwargs == dict(bootstrap_servers=['k:9093'], client_id='eda-lag-exporter', security_protocol='SASL_SSL',
                                            request_timeout_ms=30000, sasl_mechanism='SCRAM-SHA-512', sasl_plain_username='lag',
                                            sasl_plain_password='pw', ssl_cafile='/ca.pem')


def _refreshed(subject):
    assert subject.refresh()
    return subject


class TestConfig:
    def test_defaults(self):
        got = config.from_data({'kafka': {'bootstrap_servers': ['k:9092']}})
        assert (got['interval_s'], got['listen']['port'], got['lag_seconds']['max_samples']) == (15.0, 9308, 120)
        assert got['topic_filter']('orders') and not got['topic_filter']('__consumer_offsets')
        assert got['group_filter']('anything')

    @pytest.mark.parametrize('data, match', [
        ({}, 'kafka.bootstrap_servers is required'),
        ({'groups': {'include': '('}}, 'groups.include is not a regular expression'),
        ({'topics': {'exclude': None}}, 'topics.exclude is not a regular expression'),
        ({'interval_s': 0}, 'interval_s must be a positive number'),
        ({'lag_seconds': {'max_samples': 1}}, 'lag_seconds.max_samples must be an integer from 2'),
        ({'listen': {'port': '9308'}}, 'listen.port must be an integer'),
        ({'lag_seconds': {'samples': 5}}, r'unknown key\(s\) in lag_seconds: samples'),
        ({'kafka': {'security_protocol': 'SASL_PLAINTEXT'}}, 'sasl_username and kafka.sasl_password are required'),
    ])
    def test_refused(self, data, match):
        data = dict(data, kafka=dict({'bootstrap_servers': ['k:9092']}, **data.get('kafka', {}))) if data else data
        with pytest.raises(config.ConfigError, match=match):
            config.from_data(data)
