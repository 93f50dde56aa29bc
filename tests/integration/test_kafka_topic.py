# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_topic against a one-broker KRaft cluster of each Kafka version.

Every change is run three times: in check mode (must predict exactly and change nothing),
for real (must do what check mode said), and again (must change nothing).
"""

import contextlib
import uuid

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin, kafka_topics
from tests.integration.conftest import cluster_state, connection, ensure_offsets_topic, produce, records, snapshot


def topics_by_name(result):
    return dict((t['name'], t) for t in result['topics'])


def converge(module, cluster, args):
    """Check, apply, re-run; returns the real run's result after asserting the three agree."""
    before = cluster_state(cluster)
    predicted = module('kafka_topic', args, check=True)
    assert predicted['rc'] == 0, predicted['msg']
    assert cluster_state(cluster) == before, 'check mode changed the cluster'
    applied = module('kafka_topic', args)
    assert applied['rc'] == 0, applied['msg']
    assert applied['changed'] == predicted['changed']
    assert applied['topics'] == predicted['topics'], 'check mode did not predict the real run'
    assert applied['diff'] == predicted['diff']
    again = module('kafka_topic', args)
    assert again['rc'] == 0, again['msg']
    assert again['changed'] is False, again['topics']
    assert all(result['action'] == 'none' for result in again['topics'])
    state = cluster_state(cluster)
    for result in applied['topics']:
        if result['changed']:
            assert reported(state, result['name']) == result['after'], 'the cluster is not what the run reported'
    return applied


def reported(state, name):
    """A topic as kafka_topic reports it, from the state read with kafka-python: counts and
    the config set on the topic."""
    if name not in state:
        return None
    partitions = state[name]['partitions']
    return dict(partitions=len(partitions), replication_factor=len(partitions[0]), config=state[name]['config'])


@pytest.mark.each_version
def test_create_many_then_unchanged(module, single, prefix):
    args = dict(connection(single), topics=[
        dict(name='%s.orders' % prefix, partitions=3, config={'retention.ms': 86400000, 'cleanup.policy': ['compact', 'delete']}),
        dict(name='%s.audit' % prefix, config={'min.cleanable.dirty.ratio': 0.3, 'preallocate': True}),
        dict(name='%s.gone' % prefix, state='absent'),
    ])
    result = converge(module, single, args)
    actions = dict((t['name'], t['action']) for t in result['topics'])
    assert actions == {'%s.orders' % prefix: 'create', '%s.audit' % prefix: 'create', '%s.gone' % prefix: 'none'}
    state = cluster_state(single)
    assert len(state['%s.orders' % prefix]['partitions']) == 3
    assert state['%s.orders' % prefix]['config'] == {'retention.ms': '86400000', 'cleanup.policy': 'compact,delete'}
    # Created without a count: the broker defaults (num.partitions=1), as check mode predicted.
    assert len(state['%s.audit' % prefix]['partitions']) == 1
    assert state['%s.audit' % prefix]['config'] == {'min.cleanable.dirty.ratio': '0.3', 'preallocate': 'true'}
    assert sorted(result['diff']['after']) == ['%s.audit' % prefix, '%s.orders' % prefix]
    assert result['diff']['before'] == {}


def test_no_false_drift(module, single, prefix):
    name = '%s.plain' % prefix
    converge(module, single, dict(connection(single), name=name, partitions=2, config={'segment.ms': '3600000'}))
    # The same values written differently, and broker defaults listed explicitly: no change.
    same = dict(connection(single), name=name, partitions=2, config={
        'segment.ms': 3600000, 'retention.ms': '604800000', 'cleanup.policy': ['delete'], 'preallocate': 'FALSE',
        'min.cleanable.dirty.ratio': '0.50', 'max.message.bytes': ' 1048588'})
    result = module('kafka_topic', same)
    assert result['rc'] == 0 and result['changed'] is False, result['topics']
    assert cluster_state(single)[name]['config'] == {'segment.ms': '3600000'}


@pytest.mark.each_version
def test_config_merge_then_replace(module, single, prefix):
    name = '%s.cfg' % prefix
    overrides = {'retention.ms': 1000000, 'segment.ms': 7200000, 'min.insync.replicas': 2}
    converge(module, single, dict(connection(single), name=name, config=overrides))
    # merge: only the listed key changes, the other overrides stay.
    result = converge(module, single, dict(connection(single), name=name, config={'retention.ms': 2000000}))
    assert result['topics'][0]['changes'] == ['config retention.ms: 1000000 -> 2000000']
    assert cluster_state(single)[name]['config'] == {'retention.ms': '2000000', 'segment.ms': '7200000', 'min.insync.replicas': '2'}
    # replace: the unlisted overrides go back to the broker defaults.
    result = converge(module, single, dict(connection(single), name=name, config_mode='replace', config={'retention.ms': 2000000}))
    assert result['topics'][0]['changes'] == ['config min.insync.replicas: 2 -> broker default 1',
                                              'config segment.ms: 7200000 -> broker default']
    assert result['diff']['before'][name]['config'] == {'retention.ms': '2000000', 'segment.ms': '7200000', 'min.insync.replicas': '2'}
    assert result['diff']['after'][name]['config'] == {'retention.ms': '2000000'}
    assert cluster_state(single)[name]['config'] == {'retention.ms': '2000000'}


@pytest.mark.each_version
def test_partitions_grow_in_place(module, single, prefix):
    name = '%s.grow' % prefix
    converge(module, single, dict(connection(single), name=name, partitions=2))
    result = converge(module, single, dict(connection(single), name=name, partitions=5))
    assert result['topics'][0]['changes'] == ['partitions: 2 -> 5']
    assert sorted(cluster_state(single)[name]['partitions']) == [0, 1, 2, 3, 4]


def test_delete_and_prune_spare_listed_and_internal_topics(module, single, prefix):
    ensure_offsets_topic(single)
    keep, spare, extra = '%s.keep' % prefix, '%s.spare' % prefix, '%s.extra' % prefix
    lookalike = '_schemas'  # an internal name by convention (Schema Registry), though Kafka does not know it
    converge(module, single, dict(connection(single), topics=[dict(name=n) for n in (keep, spare, extra, lookalike)]))
    # The pattern also matches internal names on purpose: they must survive.
    pattern = r'%s\..*|_schemas|__consumer_offsets' % prefix
    args = dict(connection(single), topics=[dict(name=keep), dict(name=spare, state='absent')], prune=True, prune_pattern=pattern)
    result = converge(module, single, args)
    actions = dict((t['name'], t['action']) for t in result['topics'])
    assert actions == {keep: 'none', spare: 'delete', extra: 'prune'}
    state = cluster_state(single)
    assert keep in state and lookalike in state and '__consumer_offsets' in state
    assert spare not in state and extra not in state


@pytest.fixture(scope='module')
def existing(single):
    """Two topics the refused requests collide with or try to shrink; returns their prefix."""
    prefix = 'r%s' % uuid.uuid4().hex[:6]
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({'%s.has.dot' % prefix: dict(num_partitions=3, replication_factor=1),
                             '%s.base' % prefix: dict(num_partitions=1, replication_factor=1)}, wait_for_metadata=True)
    return prefix


class TestRefused:
    """Each bad request fails with a clear message and leaves the cluster exactly as it was,
    including the valid topics listed next to the bad one."""

    CASES = [
        ('illegal name', [dict(name='{p} bad')], "may only contain ASCII letters"),
        ('name too long', [dict(name='{p}' + 'x' * 250)], 'the maximum is 249'),
        ('dot name', [dict(name='.')], "topic name '.' is not allowed"),
        ('collision with existing', [dict(name='{p}.has_dot')], 'collides with topic {p}.has.dot'),
        ('collision inside request', [dict(name='{p}.x.y'), dict(name='{p}.x_y')], 'collides with topic {p}.x.y'),
        ('listed twice', [dict(name='{p}.twice'), dict(name='{p}.twice')], 'listed more than once'),
        ('zero partitions', [dict(name='{p}.zero', partitions=0)], 'partitions must be at least 1, got 0'),
        ('zero replicas', [dict(name='{p}.zero', replication_factor=0)], 'replication_factor must be at least 1'),
        ('more replicas than brokers', [dict(name='{p}.rf', replication_factor=2)], 'replication factor 2 needs 2 brokers, the cluster has 1'),
        ('more replicas than brokers on an existing topic', [dict(name='{p}.base', replication_factor=3)], 'needs 3 brokers'),
        ('partition decrease', [dict(name='{p}.has.dot', partitions=2)], 'partitions cannot decrease from 3 to 2'),
        ('unknown config key', [dict(name='{p}.cfg', config={'retention.msx': 1})], 'unknown topic config key (did you mean retention.ms?)'),
        ('mistyped value', [dict(name='{p}.cfg', config={'retention.ms': 'a week'})], 'LONG value expected'),
        ('value refused by the broker on create', [dict(name='{p}.cfg', config={'cleanup.policy': 'sometimes'})], 'cleanup.policy'),
        ('value refused by the broker on update', [dict(name='{p}.base', config={'compression.type': 'brotli'})], 'compression.type'),
        ('null value', [dict(name='{p}.cfg', config={'retention.ms': None})], 'a value must be a string, number'),
        ('delete internal topic', [dict(name='__consumer_offsets', state='absent')], 'internal to Kafka and is never deleted'),
        ('delete Connect topic', [dict(name='{p}-offsets', state='absent')], 'internal to Kafka Connect (its name ends in -offsets) and is never deleted'),
        ('delete Streams topic', [dict(name='{p}-store-changelog', state='absent')], 'internal to Kafka Streams'),
    ]

    @pytest.mark.parametrize('check', [False, True], ids=['apply', 'check'])
    @pytest.mark.parametrize('case, topics, message', CASES, ids=[c[0] for c in CASES])
    def test_refused(self, module, single, existing, case, topics, message, check):
        fill = dict(p=existing)
        valid = dict(name='%s.valid' % existing, partitions=2, config={'retention.ms': 5000})
        bad = [dict((k, v.format(**fill) if k == 'name' else v) for k, v in t.items()) for t in topics]
        # A valid change to an existing topic rides along: it must not be applied either.
        grow = dict(name='%s.base' % existing, partitions=4)
        request = [valid] + bad + ([grow] if not any(t['name'] == grow['name'] for t in bad) else [])
        before = cluster_state(single)
        result = module('kafka_topic', dict(connection(single), topics=request), check=check)
        assert result['rc'] != 0 and result.get('failed')
        assert message.format(**fill) in result['msg']
        assert result['msg'].startswith('Nothing changed')
        assert cluster_state(single) == before

    @pytest.mark.parametrize('args, message', [
        (dict(name='a', topics=[dict(name='b')]), 'mutually exclusive: name|topics'),
        (dict(topics=[dict(name='b')], partitions=3), 'mutually exclusive: topics|partitions'),
        (dict(), 'one of the following is required: name, topics'),
        (dict(name='a', prune=True), 'prune is True but all of the following are missing: prune_pattern'),
        (dict(name='a', prune=True, prune_pattern='(unclosed'), 'prune_pattern \'(unclosed\' is not a valid regular expression'),
        (dict(name='a', partitions='many'), "partitions"),
        (dict(name='a', security_protocol='SASL_PLAINTEXT'), 'security_protocol is SASL_PLAINTEXT but all of the following are missing'),
    ], ids=['name-and-topics', 'topics-and-partitions', 'nothing', 'prune-without-pattern', 'bad-pattern', 'bad-type', 'sasl-without-credentials'])
    def test_refused_arguments(self, module, single, args, message):
        before = cluster_state(single)
        result = module('kafka_topic', dict(connection(single), **args))
        assert result['rc'] != 0 and message in result['msg']
        assert cluster_state(single) == before


def refused_twice(module, args, message):
    """The request fails the same in check mode and for real, with one clear message."""
    for check in (True, False):
        result = module('kafka_topic', args, check=check)
        assert result['rc'] != 0 and result.get('failed'), result
        assert result['msg'].startswith('Nothing changed') and message in result['msg'], result['msg']


class TestNothingLost:
    """Requests that would delete or damage data are refused before any change: topics, configs,
    replica lists and every record read back are the same afterwards."""

    def test_a_prune_that_lists_no_topic_is_refused(self, module, single, prefix):
        names = ['%s.app%d' % (prefix, n) for n in range(2)]
        converge(module, single, dict(connection(single), topics=[dict(name=name) for name in names]))
        for name in names:
            produce(single, name, 5)
        before = snapshot(single, names)
        pattern = r'%s\..*' % prefix
        for topics in ([], [dict(name=names[0], state='absent')]):
            refused_twice(module, dict(connection(single), topics=topics, prune=True, prune_pattern=pattern),
                          'prune needs the topics to keep, and the task lists none (state present)')
        assert snapshot(single, names) == before

    def test_more_topics_to_prune_than_the_limit_refuse_the_whole_run(self, module, single, prefix):
        keep, old = '%s.keep' % prefix, ['%s.old%d' % (prefix, n) for n in range(3)]
        converge(module, single, dict(connection(single), topics=[dict(name=name) for name in [keep] + old]))
        for name in old:
            produce(single, name, 5)
        before = snapshot(single, old)
        # A valid change rides along: it must not be applied either.
        args = dict(connection(single), topics=[dict(name=keep, partitions=2)], prune=True, prune_pattern=r'%s\..*' % prefix, prune_limit=2)
        refused_twice(module, args, 'prune would delete 3 topics, more than prune_limit 2: %s' % ', '.join(old))
        assert snapshot(single, old) == before
        result = converge(module, single, dict(args, prune_limit=3))
        assert [t['action'] for t in result['topics']] == ['update', 'prune', 'prune', 'prune']
        assert not set(old) & set(cluster_state(single))

    def test_prune_spares_the_topics_of_connect_mirrormaker_and_streams(self, module, single, prefix):
        framework = [name % prefix for name in ('%s-configs', '%s-offsets', '%s-status', '%s-totals-changelog',
                                                '%s-agg-repartition', '%s.east.checkpoints.internal')]
        keep, plain = '%s-keep' % prefix, '%s-plain' % prefix
        converge(module, single, dict(connection(single), topics=[dict(name=name) for name in framework + [keep, plain]]))
        for name in framework:
            produce(single, name, 3)
        before = dict((name, records(single, name)) for name in framework)
        result = converge(module, single, dict(connection(single), topics=[dict(name=keep)], prune=True, prune_pattern='%s.*' % prefix))
        assert [(t['name'], t['action']) for t in result['topics']] == [(keep, 'none'), (plain, 'prune')]
        assert dict((name, records(single, name)) for name in framework) == before

    def test_internal_topics_are_never_changed(self, module, single):
        ensure_offsets_topic(single)
        before = snapshot(single)
        partitions = len(before['state']['__consumer_offsets']['partitions'])
        for args in (dict(name='__consumer_offsets', config_mode='replace'),
                     dict(name='__consumer_offsets', partitions=partitions + 1),
                     dict(name='__consumer_offsets', config={'retention.ms': 1000})):
            refused_twice(module, dict(connection(single), **args), 'topic __consumer_offsets is internal to Kafka and is never changed (asked: ')
        assert snapshot(single) == before
        # Listed as it is, it is no change.
        result = module('kafka_topic', dict(connection(single), name='__consumer_offsets', partitions=partitions))
        assert result['rc'] == 0 and result['changed'] is False

    def test_compaction_is_kept_unless_the_task_allows_its_loss(self, module, single, prefix):
        table = '%s.table' % prefix
        converge(module, single, dict(connection(single), name=table, config={'cleanup.policy': 'compact', 'retention.ms': 3600000}))
        produce(single, table, 6, key='key-%d')
        produce(single, table, 6, key='key-%d')  # every key twice: compaction would keep the second
        before = snapshot(single, [table])
        for args, risky in ((dict(config={'cleanup.policy': 'delete'}), 'cleanup.policy compact -> delete'),
                            (dict(config={'cleanup.policy': ['compact', 'delete']}), 'cleanup.policy compact -> compact,delete'),
                            (dict(config={'retention.ms': 1000}), 'retention.ms 3600000 -> 1000'),
                            (dict(config_mode='replace', config={}), 'cleanup.policy compact -> broker default delete')):
            refused_twice(module, dict(connection(single), name=table, **args),
                          'topic %s is compacted (cleanup.policy compact) and %s' % (table, risky))
        assert snapshot(single, [table]) == before
        # Changes that keep what compaction keeps go through.
        converge(module, single, dict(connection(single), name=table, config={'segment.ms': 7200000}))
        result = converge(module, single, dict(connection(single), name=table, config={'cleanup.policy': 'delete'}, allow_compaction_change=True))
        assert result['topics'][0]['changes'] == ['config cleanup.policy: compact -> delete']
        assert records(single, table) == before['records'][table]


def test_a_deletion_spares_a_topic_created_again_since_it_was_read(single, prefix):
    """The check before the first change and the deletion by topic id, on a real broker: a plan
    made before its topic was deleted and created again under the same name deletes nothing."""
    keep, reborn = '%s.keep' % prefix, '%s.reborn' % prefix
    topics = kafka_topics.desired_topics(dict(topics=[dict(name=keep)], state='present'))
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({keep: dict(num_partitions=1, replication_factor=1), reborn: dict(num_partitions=1, replication_factor=1)},
                            wait_for_metadata=True)
        plans = kafka_topics.plan_topics(topics, kafka_admin.read_cluster(admin, topics), prune_pattern=r'%s\..*' % prefix)
        assert [(p.name, p.action) for p in plans] == [(keep, 'none'), (reborn, 'prune')]
        admin.delete_topics([reborn])
        kafka_admin.wait_for_deletion(admin, {reborn: plans[1].topic_id}, 30, [])
        admin.create_topics({reborn: dict(num_partitions=1, replication_factor=1)}, wait_for_metadata=True)
        produce(single, reborn, 5)
        assert kafka_admin.deletion_errors(admin, plans) == ['topic %s was deleted and created again since it was read' % reborn]
        with pytest.raises(kafka_admin.ApplyError) as failure:
            kafka_admin.apply(admin, plans, 30000, 60)
        assert 'delete topics failed: topic %s' % reborn in str(failure.value)
    assert len(records(single, reborn)[0]) == 5
