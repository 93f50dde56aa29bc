# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Replication factor changes (partition reassignment) and partition health on three brokers,
with all of them up and with one down."""

import collections
import contextlib
import time
import uuid

import pytest

from tests.integration.conftest import cluster_state, connection, produce, records, snapshot
from tests.integration.test_kafka_topic import converge

RECOVERY_SECONDS = 120


def replica_load(partitions):
    return collections.Counter(broker for replicas in partitions.values() for broker in replicas)


def test_replication_factor_up_then_down_with_more_partitions(module, trio, prefix):
    name = '%s.replicated' % prefix
    converge(module, trio, dict(connection(trio), name=name, partitions=6, replication_factor=1))
    leaders = dict((p, replicas[0]) for p, replicas in cluster_state(trio)[name]['partitions'].items())

    result = converge(module, trio, dict(connection(trio), name=name, partitions=6, replication_factor=3))
    assert result['topics'][0]['changes'] == ['replication_factor: 1 -> 3 (6 partitions reassigned)']
    partitions = cluster_state(trio)[name]['partitions']
    assert all(sorted(replicas) == [1, 2, 3] for replicas in partitions.values())
    assert dict((p, replicas[0]) for p, replicas in partitions.items()) == leaders, 'preferred leaders moved'

    # Down to 2 and more partitions in the same task: reassignment first, then the new partitions.
    result = converge(module, trio, dict(connection(trio), name=name, partitions=9, replication_factor=2))
    assert result['topics'][0]['changes'] == ['replication_factor: 3 -> 2 (6 partitions reassigned)', 'partitions: 6 -> 9']
    partitions = cluster_state(trio)[name]['partitions']
    assert sorted(partitions) == list(range(9))
    assert all(len(replicas) == 2 for replicas in partitions.values())
    load = replica_load(dict((p, r) for p, r in partitions.items() if p < 6))
    assert max(load.values()) - min(load.values()) <= 1, 'replicas not balanced: %s' % load


def test_replication_factor_above_broker_count_refused(module, trio, prefix):
    name = '%s.small' % prefix
    converge(module, trio, dict(connection(trio), name=name, replication_factor=2))
    before = cluster_state(trio)
    request = [dict(name=name, replication_factor=4), dict(name='%s.other' % prefix)]
    result = module('kafka_topic', dict(connection(trio), topics=request))
    assert result['rc'] != 0 and 'replication factor 4 needs 4 brokers, the cluster has 3' in result['msg']
    assert cluster_state(trio) == before


LIVE = [1, 2]
LAYOUT = {
    'safe': {0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2]},  # replication factor 3
    'lonely': {0: [3]},                                  # offline while broker 3 is down
    'pair': {0: [1, 3], 1: [2, 3]},                      # replication factor 2, one replica on broker 3 each
    'full': {0: [1, 2, 3], 1: [2, 3, 1]},                # replication factor 3
    'live': {0: [1, 2], 1: [2, 1]},                      # replication factor 2, nothing on broker 3
    'single': {0: [1], 1: [2]},                          # replication factor 1, nothing on broker 3
}


@pytest.fixture(scope='class')
def third_broker_down(trio):
    """Topics laid out on the three brokers, with records, then broker 3 stopped. Afterwards
    broker 3 is started again and the fixture waits until every partition of the cluster is
    in sync: the other tests share this cluster. Yields {role: topic name}."""
    prefix = 'd%s' % uuid.uuid4().hex[:6]
    names = dict((role, '%s.%s' % (prefix, role)) for role in LAYOUT)
    with contextlib.closing(trio.admin()) as admin:
        admin.create_topics(dict((names[role], dict(assignments=layout)) for role, layout in LAYOUT.items()), wait_for_metadata=True)
    for role, layout in LAYOUT.items():
        produce(trio, names[role], 10, partitions=len(layout))
    broker = trio.containers[2]
    broker.stop(timeout=30)
    try:
        wait_until(lambda: live_brokers(trio) == LIVE, 'broker 3 out of the cluster metadata')
        yield names
    finally:
        broker.start()
        trio.wait_ready()
        wait_until(lambda: in_sync(trio), 'every partition in sync after broker 3 came back')


def live_brokers(cluster):
    with contextlib.closing(cluster.admin()) as admin:
        return sorted(b['broker_id'] for b in admin.describe_cluster()['brokers'] if not b.get('is_fenced'))


def in_sync(cluster):
    with contextlib.closing(cluster.admin()) as admin:
        return all(sorted(p['isr_nodes']) == sorted(p['replica_nodes']) for t in admin.describe_topics() for p in t['partitions'])


def wait_until(condition, what):
    deadline = time.monotonic() + RECOVERY_SECONDS
    while not condition():
        assert time.monotonic() < deadline, 'not reached in %ss: %s' % (RECOVERY_SECONDS, what)
        time.sleep(1)


class TestThirdBrokerDown:
    """Broker 3 of three is down: health is reported, what needs no change is no change, new
    replicas go to live brokers, what cannot be done safely is refused with nothing changed,
    and every record stays readable."""

    def test_info_reports_under_replicated_and_offline_partitions(self, module, trio, third_broker_down):
        names = third_broker_down
        args = dict(connection(trio), names=[names['safe'], names['lonely']])
        info = wait_for(lambda: module('kafka_topic_info', args), lambda r: r['offline_partitions'] == 1)
        assert info['topics'][names['lonely']]['offline_partitions'] == [0]
        assert info['topics'][names['lonely']]['partition_details'][0]['leader'] == -1
        assert info['topics'][names['safe']]['under_replicated_partitions'] == [0, 1, 2]
        assert all(3 not in p['isr'] for p in info['topics'][names['safe']]['partition_details'])
        # Whether the offline partition also counts as under-replicated depends on the ISR the
        # Kafka version keeps for it (like kafka-topics.sh, ISR shorter than replicas counts).
        assert info['under_replicated_partitions'] == sum(len(t['under_replicated_partitions']) for t in info['topics'].values())

    def test_the_replication_factor_a_topic_has_is_no_change(self, module, trio, third_broker_down):
        names = third_broker_down
        request = [dict(name=names[role], replication_factor=len(LAYOUT[role][0])) for role in LAYOUT]
        before = snapshot(trio, [names[role] for role in LAYOUT if role != 'lonely'], brokers=LIVE)
        for check in (True, False):
            result = module('kafka_topic', dict(connection(trio), topics=request), check=check)
            assert result['rc'] == 0, result['msg']
            assert result['changed'] is False and all(t['action'] == 'none' for t in result['topics'])
        assert snapshot(trio, [names[role] for role in LAYOUT if role != 'lonely'], brokers=LIVE) == before

    def test_new_replicas_go_to_live_brokers_only(self, module, trio, third_broker_down):
        name = third_broker_down['single']
        written = records(trio, name)
        args = dict(connection(trio), name=name, replication_factor=2, reassignment_timeout=120)
        predicted = module('kafka_topic', args, check=True)
        applied = module('kafka_topic', args)
        assert applied['rc'] == 0, applied['msg']
        assert applied['topics'] == predicted['topics'] and applied['changed'] is True
        assert cluster_state(trio, LIVE)[name]['partitions'] == {0: [1, 2], 1: [2, 1]}
        again = module('kafka_topic', args)
        assert again['rc'] == 0 and again['changed'] is False
        assert records(trio, name) == written

    def test_fewer_replicas_drop_the_offline_one(self, module, trio, third_broker_down):
        name = third_broker_down['full']
        written = records(trio, name)
        args = dict(connection(trio), name=name, replication_factor=2, reassignment_timeout=120)
        applied = module('kafka_topic', args)
        assert applied['rc'] == 0, applied['msg']
        assert applied['topics'][0]['changes'] == ['replication_factor: 3 -> 2 (2 partitions reassigned)']
        assert cluster_state(trio, LIVE)[name]['partitions'] == {0: [1, 2], 1: [2, 1]}
        assert records(trio, name) == written

    def test_what_cannot_be_done_safely_is_refused_with_nothing_changed(self, module, trio, third_broker_down):
        names = third_broker_down
        before = snapshot(trio, [names['live'], names['safe'], names['pair']], brokers=LIVE)
        for request, message in (
                (dict(name=names['live'], replication_factor=3),
                 'topic %s: replication factor 3 needs 3 brokers, the cluster has 2 live (offline: 3); '
                 'start the offline brokers again or ask for fewer replicas' % names['live']),
                (dict(name=names['lonely'], replication_factor=2),
                 'topic %s: partitions 0 have no leader (every in-sync replica is on an offline broker)' % names['lonely']),
                (dict(name=names['pair'], replication_factor=3),
                 'topic %s: partitions 0, 1 have a replica on offline broker 3, and a reassignment that adds replicas '
                 'to them would not finish before it is back' % names['pair'])):
            # A valid change rides along: it must not be applied either.
            args = dict(connection(trio), topics=[request, dict(name=names['safe'], config={'retention.ms': 7200000})])
            for check in (True, False):
                result = module('kafka_topic', args, check=check)
                assert result['rc'] != 0 and 'Traceback' not in result['msg']
                assert result['msg'].startswith('Nothing changed') and message in result['msg'], result['msg']
        assert snapshot(trio, [names['live'], names['safe'], names['pair']], brokers=LIVE) == before


def wait_for(read, done):
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        result = read()
        if result['rc'] == 0 and done(result):
            return result
        assert time.monotonic() < deadline, 'condition not reached in %ss: %s' % (RECOVERY_SECONDS, result)
        time.sleep(1)
