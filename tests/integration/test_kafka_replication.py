# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Replication factor changes (partition reassignment) and partition health on three brokers."""

import collections
import contextlib
import time

from tests.integration.conftest import cluster_state, connection
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


def test_info_reports_under_replicated_and_offline_partitions(module, trio, prefix):
    """Stops broker 3, reads the health, starts it again and waits until the cluster is whole."""
    names = dict(safe='%s.safe' % prefix, lonely='%s.lonely' % prefix)
    with contextlib.closing(trio.admin()) as admin:
        admin.create_topics({names['safe']: dict(num_partitions=3, replication_factor=3),
                             names['lonely']: dict(num_partitions=-1, replication_factor=-1, assignments={0: [3]})},
                            wait_for_metadata=True)
    args = dict(connection(trio), pattern=r'%s\..*' % prefix)
    healthy = module('kafka_topic_info', args)
    assert healthy['under_replicated_partitions'] == 0 and healthy['offline_partitions'] == 0
    broker = trio.containers[2]
    broker.stop(timeout=30)
    try:
        info = wait_for(lambda: module('kafka_topic_info', args), lambda r: r['offline_partitions'] == 1)
        assert info['topics'][names['lonely']]['offline_partitions'] == [0]
        assert info['topics'][names['lonely']]['partition_details'][0]['leader'] == -1
        assert info['topics'][names['safe']]['under_replicated_partitions'] == [0, 1, 2]
        assert all(3 not in p['isr'] for p in info['topics'][names['safe']]['partition_details'])
        # Whether the offline partition also counts as under-replicated depends on the ISR the
        # Kafka version keeps for it (like kafka-topics.sh, ISR shorter than replicas counts).
        assert info['under_replicated_partitions'] == sum(len(t['under_replicated_partitions']) for t in info['topics'].values())
    finally:
        broker.start()
        trio.wait_ready()
        wait_for(lambda: module('kafka_topic_info', args), lambda r: r['under_replicated_partitions'] == 0)


def wait_for(read, done):
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        result = read()
        if result['rc'] == 0 and done(result):
            return result
        assert time.monotonic() < deadline, 'condition not reached in %ss: %s' % (RECOVERY_SECONDS, result)
        time.sleep(1)
