# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The lag exporter as a local process on a real one-broker KRaft cluster, checked against lags computed by hand.

Groups are made with kafka-python (a subscribed consumer for a live member, the admin client for
offsets only); the exporter reads them with its own client every half second.
"""

import contextlib
import time
import uuid

import confluent_kafka
import pytest
from kafka import KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition

from tests.containers import free_port
from tests.integration import services
from tests.integration.conftest import ensure_offsets_topic

WAIT_SECONDS = 60
PREFIX = 'lx%s' % uuid.uuid4().hex[:6]


@pytest.fixture(scope='module')
def cluster():
    with services.one_broker('lagexp') as lab_cluster:
        # Groups are made with the admin client before any consumer made __consumer_offsets.
        ensure_offsets_topic(lab_cluster)
        yield lab_cluster


class ExporterProcess(services.ServiceProcess):
    def __init__(self, cluster, work):
        self.url = 'http://127.0.0.1:%d/metrics' % free_port()
        settings = {
            'kafka': {'bootstrap_servers': cluster.bootstrap},
            # Only this module's groups and topics: the exclusions are checked too.
            'groups': {'include': '^' + PREFIX, 'exclude': '-hidden$'},
            'topics': {'include': '^' + PREFIX},
            'interval_s': 0.5,
            'listen': {'host': '127.0.0.1', 'port': int(self.url.split(':')[2].split('/')[0])},
        }
        super(ExporterProcess, self).__init__('eda_lag_exporter', settings, work, 'exporter')

    def metrics(self):
        return services.scrape(self.url)

    def wait_for(self, condition, what):
        """The first scrape for which condition(metrics) is true."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            self.check_running(what)
            metrics = self.metrics()
            if metrics and condition(metrics):
                return metrics
            assert time.monotonic() < deadline, '%s not within %ss; last scrape:\n%s\n%s' % (what, WAIT_SECONDS, sorted(metrics.items())[:80], self.log())
            time.sleep(0.2)


@pytest.fixture(scope='module')
def exporter(cluster, tmp_path_factory):
    process = ExporterProcess(cluster, tmp_path_factory.mktemp('lag-exporter'))
    try:
        process.wait_for(lambda m: m.get(key('kafka_lag_exporter_last_scrape_success')) == 1, 'a first reading')
        yield process
    finally:
        assert process.stop() == 0


def create_topic(cluster, name, partitions):
    with contextlib.closing(cluster.admin()) as admin:
        admin.create_topics({name: dict(num_partitions=partitions, replication_factor=1)}, wait_for_metadata=True)


def produce(cluster, topic, counts):
    """counts[p] records into partition p."""
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks='all')
    try:
        for partition, count in counts.items():
            for number in range(count):
                producer.send(topic, value=b'record %d' % number, partition=partition)
        producer.flush(60)
    finally:
        producer.close()


def commit(cluster, group, topic, offsets):
    """Offsets of a group without members, written with the admin client."""
    with contextlib.closing(cluster.admin()) as admin:
        admin.alter_group_offsets(group, dict((TopicPartition(topic, p), OffsetAndMetadata(o, '', -1)) for p, o in offsets.items()))


@contextlib.contextmanager
def member(cluster, group, topic, partitions):
    """A live member of the group, subscribed to the topic and assigned all its partitions.

    librdkafka's consumer, not kafka-python's: the latter's group join failed to bootstrap now and
    then on this machine (socket disconnected), while the exporter under test uses kafka-python.
    """
    consumer = confluent_kafka.Consumer({'bootstrap.servers': ','.join(cluster.bootstrap), 'group.id': group, 'enable.auto.commit': False,
                                         'auto.offset.reset': 'earliest'})
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + WAIT_SECONDS
        while len(consumer.assignment()) < partitions:
            assert time.monotonic() < deadline, 'the consumer was not assigned %d partitions within %ss' % (partitions, WAIT_SECONDS)
            consumer.poll(0.2)
        yield consumer
    finally:
        consumer.close()


def key(name, **labels):
    return name, tuple(sorted((label, str(value)) for label, value in labels.items()))


def test_lag_members_and_the_uncommitted_partition_match_the_hand_computed_figures(cluster, exporter):
    topic, group = PREFIX + '-orders', PREFIX + '-workers'
    produced = {0: 20, 1: 30, 2: 40}
    create_topic(cluster, topic, 3)
    produce(cluster, topic, produced)
    commit(cluster, PREFIX + '-hidden', topic, {0: 1})
    consumed = {0: 5, 1: 30}  # partition 2: assigned, never committed
    with member(cluster, group, topic, 3) as consumer:
        consumer.commit(offsets=[confluent_kafka.TopicPartition(topic, p, o) for p, o in consumed.items()], asynchronous=False)
        # Rows exist from the assignment on (lag: the whole log); the commit shows as current offsets.
        metrics = exporter.wait_for(lambda m: m.get(key('kafka_consumergroup_members', consumergroup=group)) == 1
                                    and all(key('kafka_consumergroup_current_offset', consumergroup=group, topic=topic, partition=p) in m
                                            for p in consumed),
                                    'the member and its commits')
    labels = dict(consumergroup=group, topic=topic)
    expected_lag = {0: produced[0] - consumed[0], 1: produced[1] - consumed[1], 2: produced[2]}
    assert dict((p, metrics[key('kafka_consumergroup_lag', partition=p, **labels)]) for p in produced) == expected_lag
    assert metrics[key('kafka_consumergroup_lag_sum', **labels)] == sum(expected_lag.values())
    assert dict((p, metrics.get(key('kafka_consumergroup_current_offset', partition=p, **labels))) for p in produced) == {0: 5, 1: 30, 2: None}
    assert metrics[key('kafka_consumergroup_current_offset_sum', **labels)] == 35
    assert dict((p, metrics[key('kafka_topic_partition_current_offset', topic=topic, partition=p)]) for p in produced) == produced
    assert dict((p, metrics[key('kafka_topic_partition_oldest_offset', topic=topic, partition=p)]) for p in produced) == {0: 0, 1: 0, 2: 0}
    assert metrics[key('kafka_topic_partitions', topic=topic)] == 3
    assert metrics[key('kafka_brokers')] == 1
    assert metrics[key('kafka_lag_exporter_last_scrape_success')] == 1
    assert not any(dict(pairs).get('consumergroup') == PREFIX + '-hidden' for name, pairs in metrics)
    assert not any(dict(pairs).get('topic', PREFIX).startswith('__') for name, pairs in metrics)

    # Once the member left: no members, and the partition it never committed is no longer the group's.
    after = exporter.wait_for(lambda m: m.get(key('kafka_consumergroup_members', consumergroup=group)) == 0, 'the member gone')
    assert key('kafka_consumergroup_lag', partition=2, **labels) not in after
    assert after[key('kafka_consumergroup_lag_sum', **labels)] == expected_lag[0] + expected_lag[1]


def test_lag_seconds_grow_while_the_group_stands_still_and_production_goes_on(cluster, exporter):
    topic, group = PREFIX + '-events', PREFIX + '-stalled'
    create_topic(cluster, topic, 1)
    produce(cluster, topic, {0: 10})
    commit(cluster, group, topic, {0: 10})
    lag_seconds = key('kafka_consumergroup_lag_seconds', consumergroup=group, topic=topic, partition=0)
    caught_up = exporter.wait_for(lambda m: lag_seconds in m, 'the caught-up group')
    assert (caught_up[lag_seconds], caught_up[key('kafka_consumergroup_lag', consumergroup=group, topic=topic, partition=0)]) == (0, 0)
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks='all')
    seen = []
    try:
        started = time.monotonic()
        for number in range(24):
            producer.send(topic, value=b'late %d' % number, partition=0).get(timeout=30)
            seen.append(exporter.metrics().get(lag_seconds, 0.0))
            time.sleep(0.25)
        took = time.monotonic() - started
    finally:
        producer.close()
    final = exporter.wait_for(lambda m: m.get(key('kafka_consumergroup_lag', consumergroup=group, topic=topic, partition=0)) == 24,
                              'the lag of 24 records')
    # The group stands where the log end was when production resumed: its lag is about that long ago.
    assert 0 < max(seen) <= final[lag_seconds] <= took + 5
    assert final[lag_seconds] >= took - 2, 'lag %.1fs after %.1fs of production' % (final[lag_seconds], took)
