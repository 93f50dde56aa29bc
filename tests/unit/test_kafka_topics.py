# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Pure logic of kafka_topic: validation, value comparison, planning, diff, topic info."""

import copy

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_topics as kt


def topic(name, **fields):
    base = dict(name=name, state='present', partitions=None, replication_factor=None, config={})
    base.update(fields)
    return base


def entry(value, source='DEFAULT_CONFIG', type_='STRING', default=None):
    return dict(value=value, source=source, type=type_, default=default)


SCHEMA = {'retention.ms': 'LONG', 'cleanup.policy': 'LIST', 'min.insync.replicas': 'INT',
          'min.cleanable.dirty.ratio': 'DOUBLE', 'preallocate': 'BOOLEAN', 'compression.type': 'STRING'}


def cluster(**overrides):
    base = dict(
        brokers=[1, 2, 3],
        topics={'orders': {0: [1, 2], 1: [2, 3], 2: [3, 1]}, '__consumer_offsets': {0: [1]}, 'app.old': {0: [1]}},
        configs={'orders': {
            'retention.ms': entry('604800000', type_='LONG'),
            'cleanup.policy': entry('delete', type_='LIST'),
            'min.insync.replicas': entry('2', source='DYNAMIC_TOPIC_CONFIG', type_='INT', default='1'),
            'compression.type': entry('producer'),
            'preallocate': entry('false', type_='BOOLEAN'),
        }},
        schema=dict(SCHEMA),
        defaults=dict(partitions=1, replication_factor=1),
        offline={},
    )
    base.update(overrides)
    base.setdefault('ids', dict((name, 'id-%s' % name) for name in base['topics']))
    return base


def plan_one(request, state=None, **kwargs):
    return kt.plan_topics([request], state or cluster(), **kwargs)[0]


class TestNames:
    @pytest.mark.parametrize('name', ['orders', 'a.b_c-D9', 'x' * 249, '...a'])
    def test_legal(self, name):
        assert kt.name_errors(name) == []

    @pytest.mark.parametrize('name, fragment', [
        ('', 'must not be empty'),
        ('.', 'not allowed'),
        ('..', 'not allowed'),
        ('x' * 250, '250 characters long, the maximum is 249'),
        ('has space', 'may only contain'),
        ('ünï', 'may only contain'),
        ('a/b', 'may only contain'),
    ])
    def test_illegal(self, name, fragment):
        errors = kt.name_errors(name)
        assert len(errors) == 1 and fragment in errors[0]

    def test_internal_prefixes(self):
        assert [kt.is_internal(n) for n in ('__consumer_offsets', '_confluent-metrics', '_schemas', '_app', 'app')] == \
            [True, True, True, False, False]


class TestRequestErrors:
    def test_valid_request(self):
        assert kt.request_errors([topic('a', partitions=3, config={'retention.ms': 1}), topic('b', state='absent')]) == []

    def test_every_problem_reported_at_once(self):
        errors = kt.request_errors([
            topic('a b'), topic('x', partitions=0), topic('x', replication_factor=-1),
            topic('__consumer_offsets', state='absent'), topic('y', config={'retention.ms': None, 'k': {'a': 1}}),
        ])
        assert any('may only contain' in e for e in errors)
        assert 'topic x is listed more than once' in errors
        assert 'topic x: partitions must be at least 1, got 0' in errors
        assert 'topic x: replication_factor must be at least 1, got -1' in errors
        assert 'topic __consumer_offsets is internal to Kafka and is never deleted' in errors
        assert sum('a value must be a string' in e for e in errors) == 2

    def test_collision_inside_request(self):
        errors = kt.request_errors([topic('a.b'), topic('a_b')])
        assert errors == ["topic a_b collides with topic a.b: Kafka treats '.' and '_' alike in topic names"]

    def test_no_collision_when_one_is_deleted(self):
        assert kt.request_errors([topic('a.b'), topic('a_b', state='absent')]) == []


class TestValues:
    @pytest.mark.parametrize('value, text', [
        (True, 'true'), (False, 'false'), (604800000, '604800000'), ('x', 'x'),
        (['compact', 'delete'], 'compact,delete'), (0.5, '0.5'),
    ])
    def test_config_text(self, value, text):
        assert kt.config_text(value) == text

    @pytest.mark.parametrize('desired, current, type_', [
        ('604800000', '604800000', 'LONG'),
        (' 604800000', '604800000', 'LONG'),
        ('2', '2', 'INT'),
        ('0.5', '0.50', 'DOUBLE'),
        ('5e-1', '0.5', 'DOUBLE'),
        ('True', 'true', 'BOOLEAN'),
        ('compact, delete', 'compact,delete', 'LIST'),
        ('producer', 'producer', 'STRING'),
        ('anything', 'anything', None),
    ])
    def test_same(self, desired, current, type_):
        assert kt.same_value(desired, current, type_)

    @pytest.mark.parametrize('desired, current, type_', [
        ('604800001', '604800000', 'LONG'),
        ('1', None, 'INT'),
        ('abc', '1', 'INT'),
        ('0.6', '0.5', 'DOUBLE'),
        ('false', 'true', 'BOOLEAN'),
        ('delete,compact', 'compact,delete', 'LIST'),
        ('Producer', 'producer', 'STRING'),
    ])
    def test_different(self, desired, current, type_):
        assert not kt.same_value(desired, current, type_)

    @pytest.mark.parametrize('value, type_', [
        (604800000, 'LONG'), ('604800000', 'LONG'), ('-1', 'LONG'), (0.5, 'DOUBLE'), ('1', 'DOUBLE'),
        (True, 'BOOLEAN'), ('FALSE', 'BOOLEAN'), (['a', 'b'], 'LIST'), ('a,b', 'LIST'), ('x', 'STRING'), ('x', None),
    ])
    def test_value_accepted(self, value, type_):
        assert kt.value_error('k', value, type_) is None

    @pytest.mark.parametrize('value, type_, fragment', [
        ('abc', 'LONG', 'LONG value expected'),
        ('1.5', 'INT', 'INT value expected'),
        (True, 'LONG', 'LONG value expected'),
        ('half', 'DOUBLE', 'DOUBLE value expected'),
        ('yes', 'BOOLEAN', 'BOOLEAN value expected'),
        ([1, 2], 'LONG', 'got a list'),
        (None, 'STRING', 'a value must be'),
    ])
    def test_value_refused(self, value, type_, fragment):
        assert fragment in kt.value_error('k', value, type_)


class TestClusterErrors:
    def test_valid(self):
        request = [topic('orders', partitions=3, replication_factor=3, config={'retention.ms': '1'}), topic('new', replication_factor=2)]
        assert kt.cluster_errors(request, cluster()) == []

    def test_partition_decrease_refused(self):
        errors = kt.cluster_errors([topic('orders', partitions=2)], cluster())
        assert errors == ['topic orders: partitions cannot decrease from 3 to 2; Kafka can only add partitions']

    def test_replication_above_broker_count(self):
        errors = kt.cluster_errors([topic('orders', replication_factor=4), topic('new', replication_factor=5)], cluster())
        assert errors == ['topic orders: replication factor 4 needs 4 brokers, the cluster has 3',
                          'topic new: replication factor 5 needs 5 brokers, the cluster has 3']

    def test_broker_default_replication_above_broker_count(self):
        state = cluster(defaults=dict(partitions=1, replication_factor=3), brokers=[1], topics={'orders': {0: [1]}})
        assert kt.cluster_errors([topic('new')], state) == ['topic new: replication factor 3 needs 3 brokers, the cluster has 1']

    def test_unknown_key_with_suggestion(self):
        errors = kt.cluster_errors([topic('orders', config={'retention.msx': 1})], cluster())
        assert errors == ['topic orders: config retention.msx: unknown topic config key (did you mean retention.ms?)']

    def test_unknown_key_without_schema_left_to_broker(self):
        assert kt.cluster_errors([topic('new', config={'anything': 1})], cluster(schema={})) == []

    def test_typed_values(self):
        errors = kt.cluster_errors([topic('new', config={'retention.ms': 'week', 'preallocate': 'yes'})], cluster())
        assert errors == ["topic new: config preallocate: BOOLEAN value expected (true or false), got 'yes'",
                          "topic new: config retention.ms: LONG value expected, got 'week'"]

    def test_collision_with_existing(self):
        errors = kt.cluster_errors([topic('app_old')], cluster())
        assert errors == ["topic app_old collides with topic app.old: Kafka treats '.' and '_' alike in topic names"]


class TestPlanConfig:
    def test_unchanged_when_values_mean_the_same(self):
        # The broker default (604800000 LONG, 'delete' LIST) and the override (2) are no drift.
        plan = plan_one(topic('orders', config={'retention.ms': 604800000, 'cleanup.policy': ['delete'],
                                                'min.insync.replicas': '2', 'preallocate': False}))
        assert plan.action == 'none' and plan.changes == [] and plan.config_ops == {}
        assert plan.before == plan.after

    def test_merge_sets_only_listed_keys(self):
        plan = plan_one(topic('orders', config={'retention.ms': 86400000}))
        assert plan.action == 'update'
        assert plan.config_ops == {'retention.ms': ('SET', '86400000')}
        assert plan.changes == ['config retention.ms: 604800000 -> 86400000']
        assert plan.before['config'] == {'retention.ms': '604800000', 'min.insync.replicas': '2'}
        assert plan.after['config'] == {'retention.ms': '86400000', 'min.insync.replicas': '2'}

    def test_replace_resets_unlisted_overrides(self):
        plan = plan_one(topic('orders', config={'retention.ms': 86400000}), config_mode='replace')
        assert plan.config_ops == {'retention.ms': ('SET', '86400000'), 'min.insync.replicas': ('DELETE', None)}
        assert plan.after['config'] == {'retention.ms': '86400000'}
        assert 'config min.insync.replicas: 2 -> broker default 1' in plan.changes

    def test_replace_without_known_fallback(self):
        state = cluster()
        state['configs']['orders']['min.insync.replicas']['default'] = None
        plan = plan_one(topic('orders'), state, config_mode='replace')
        assert plan.changes == ['config min.insync.replicas: 2 -> broker default']

    def test_reset_keys(self):
        request = [topic('orders', config={'retention.ms': 1}), topic('new')]
        assert kt.reset_keys(request, cluster()) == {'orders': ['min.insync.replicas']}
        assert kt.reset_keys([topic('orders', config={'min.insync.replicas': 2})], cluster()) == {}

    def test_replace_with_everything_listed_is_unchanged(self):
        plan = plan_one(topic('orders', config={'min.insync.replicas': 2}), config_mode='replace')
        assert plan.action == 'none'

    def test_create_uses_broker_defaults(self):
        plan = plan_one(topic('new', config={'cleanup.policy': ['compact', 'delete'], 'preallocate': True}))
        assert plan.action == 'create' and plan.before is None
        assert plan.create == dict(partitions=1, replication_factor=1,
                                   config={'cleanup.policy': 'compact,delete', 'preallocate': 'true'})
        assert plan.after == plan.create


class TestPlanPartitions:
    def test_increase(self):
        plan = plan_one(topic('orders', partitions=5))
        assert plan.partitions_to == 5 and plan.reassignments == {}
        assert plan.changes == ['partitions: 3 -> 5'] and plan.after['partitions'] == 5

    def test_same_count_unchanged(self):
        assert plan_one(topic('orders', partitions=3, replication_factor=2)).action == 'none'

    def test_replication_increase_is_balanced_and_keeps_leaders(self):
        plan = plan_one(topic('orders', replication_factor=3))
        assert plan.reassignments == {0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2]}
        assert plan.after['replication_factor'] == 3
        assert plan.changes == ['replication_factor: 2 -> 3 (3 partitions reassigned)']

    def test_replication_decrease_keeps_preferred_leader(self):
        plan = plan_one(topic('orders', replication_factor=1))
        assert plan.reassignments == {0: [1], 1: [2], 2: [3]}

    def test_partitions_and_replication_together(self):
        plan = plan_one(topic('orders', partitions=4, replication_factor=3))
        assert plan.partitions_to == 4 and sorted(plan.reassignments) == [0, 1, 2]
        assert (plan.after['partitions'], plan.after['replication_factor']) == (4, 3)

    def test_replication_change_from_one_broker_spreads_load(self):
        state = cluster(topics={'t': {0: [1], 1: [1], 2: [1], 3: [1]}}, configs={}, brokers=[1, 2, 3])
        plan = plan_one(topic('t', replication_factor=2), state)
        followers = [replicas[1] for replicas in plan.reassignments.values()]
        assert all(replicas[0] == 1 for replicas in plan.reassignments.values())
        assert sorted(followers) == [2, 2, 3, 3]


class TestPlaceReplicas:
    def test_adds_least_loaded(self):
        topic_load, cluster_load = {1: 1, 2: 0, 3: 0}, {1: 5, 2: 3, 3: 1}
        assert kt.place_replicas([1], [1, 2, 3], 2, topic_load, cluster_load) == [1, 3]
        assert (topic_load, cluster_load) == ({1: 1, 2: 0, 3: 1}, {1: 5, 2: 3, 3: 2})

    def test_topic_balance_comes_before_cluster_balance(self):
        assert kt.place_replicas([1], [1, 2, 3], 2, {1: 1, 2: 0, 3: 1}, {1: 0, 2: 9, 3: 0}) == [1, 2]

    def test_drops_most_loaded_follower_never_leader(self):
        topic_load, cluster_load = {1: 9, 2: 1, 3: 4}, {1: 9, 2: 1, 3: 4}
        assert kt.place_replicas([1, 2, 3], [1, 2, 3], 2, topic_load, cluster_load) == [1, 2]
        assert topic_load[3] == 3 and cluster_load[3] == 3

    def test_drops_replicas_on_offline_brokers_first_when_shrinking(self):
        topic_load, cluster_load = {1: 1, 2: 1}, {1: 1, 2: 1}
        assert kt.place_replicas([7, 1, 2], [1, 2], 2, topic_load, cluster_load) == [1, 2]
        assert kt.place_replicas([1, 7, 2], [1, 2], 1, topic_load, cluster_load) == [1]

    @pytest.mark.parametrize('replication', [1, 2])
    def test_decrease_keeps_each_topic_balanced_whatever_the_cluster_load(self, replication):
        # Other topics weigh on broker 1: the topic itself must still end up even.
        state = cluster(topics={'t': dict((p, [p % 3 + 1, (p + 1) % 3 + 1, (p + 2) % 3 + 1]) for p in range(6)),
                                'heavy': dict((p, [1]) for p in range(50))}, configs={})
        plan = plan_one(topic('t', replication_factor=replication), state)
        load = kt.broker_load([1, 2, 3], [plan.reassignments])
        assert sorted(load.values()) == [2 * replication] * 3
        assert all(plan.reassignments[p][0] == state['topics']['t'][p][0] for p in range(6))

    def test_uneven_leaders_still_balanced(self):
        # Greedy placement alone ends 5/4/3 here; the balancing swaps reach 4/4/4.
        parts = {0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2], 3: [3, 1, 2], 4: [1, 3, 2], 5: [1, 2, 3]}
        plan = plan_one(topic('t', replication_factor=2), cluster(topics={'t': parts}, configs={}))
        assert sorted(kt.broker_load([1, 2, 3], [plan.reassignments]).values()) == [4, 4, 4]
        assert all(plan.reassignments[p][0] == parts[p][0] for p in parts)
        assert all(set(plan.reassignments[p]) <= set(parts[p]) for p in parts)

    def test_growth_keeps_existing_replicas_and_balances(self):
        parts = {0: [1], 1: [1], 2: [2], 3: [2]}
        plan = plan_one(topic('t', replication_factor=2), cluster(topics={'t': parts}, configs={}, brokers=[1, 2, 3, 4]))
        assert all(plan.reassignments[p][0] == parts[p][0] for p in parts)
        assert sorted(kt.broker_load([1, 2, 3, 4], [plan.reassignments]).values()) == [2, 2, 2, 2]


class TestPlanDeleteAndPrune:
    def test_delete_existing(self):
        plan = plan_one(topic('orders', state='absent'))
        assert plan.action == 'delete' and plan.after is None and plan.before['partitions'] == 3

    def test_delete_missing_is_unchanged(self):
        plan = plan_one(topic('ghost', state='absent'))
        assert plan.action == 'none' and plan.before is None and plan.after is None

    def test_prune_never_touches_listed_internal_or_unmatched(self):
        state = cluster(topics={'app.a': {0: [1]}, 'app.b': {0: [1]}, 'other': {0: [1]},
                                '__consumer_offsets': {0: [1]}, '_schemas': {0: [1]}})
        plans = kt.plan_topics([topic('app.a')], state, prune_pattern='.*')
        assert [(p.name, p.action) for p in plans] == [('app.a', 'none'), ('app.b', 'prune'), ('other', 'prune')]

    def test_prune_pattern_matches_whole_names(self):
        state = cluster(topics={'app.a': {0: [1]}, 'xapp.a': {0: [1]}, 'b': {0: [1]}, 'bb': {0: [1]}})
        assert kt.prune_candidates([], state, 'app\\..*|b') == ['app.a', 'b']


def test_plans_do_not_modify_the_cluster_state():
    state = cluster()
    snapshot = copy.deepcopy(state)
    kt.plan_topics([topic('orders', partitions=6, replication_factor=3, config={'retention.ms': 1})], state)
    assert state == snapshot


def test_diff_lists_changed_topics_only():
    plans = kt.plan_topics([topic('orders', partitions=4), topic('app.old', partitions=1), topic('new'),
                            topic('__consumer_offsets', partitions=1)], cluster())
    result = kt.diff(plans)
    assert sorted(result['before']) == ['orders']
    assert sorted(result['after']) == ['new', 'orders']
    assert result['before']['orders']['partitions'] == 3 and result['after']['orders']['partitions'] == 4


def test_unchanged_result_has_no_state():
    assert plan_one(topic('orders')).result() == dict(name='orders', action='none', changed=False, changes=[])


def test_result_shape():
    result = plan_one(topic('orders', partitions=4)).result()
    assert result == dict(name='orders', action='update', changed=True, changes=['partitions: 3 -> 4'],
                          before=dict(partitions=3, replication_factor=2, config={'min.insync.replicas': '2'}),
                          after=dict(partitions=4, replication_factor=2, config={'min.insync.replicas': '2'}))


class TestDesiredTopics:
    def test_single_topic(self):
        params = dict(name='a', partitions=3, replication_factor=None, config=None, state='present', topics=None)
        assert kt.desired_topics(params) == [topic('a', partitions=3)]

    def test_list_items_inherit_state(self):
        params = dict(name=None, state='absent', topics=[
            dict(name='a', partitions=None, replication_factor=None, config=None, state=None),
            dict(name='b', partitions=2, replication_factor=1, config={'k': 'v'}, state='present')])
        assert kt.desired_topics(params) == [topic('a', state='absent'),
                                             topic('b', partitions=2, replication_factor=1, config={'k': 'v'})]


def test_topic_report():
    metadata = dict(name='t', topic_id='id-1', is_internal=False, partitions=[
        dict(partition_index=1, leader_id=-1, replica_nodes=[2, 3], isr_nodes=[], offline_replicas=[2, 3]),
        dict(partition_index=0, leader_id=1, replica_nodes=[1, 2], isr_nodes=[1], offline_replicas=[]),
    ])
    configs = {'retention.ms': entry('1', source='DYNAMIC_TOPIC_CONFIG'), 'segment.ms': entry('2')}
    report = kt.topic_report(metadata, configs)
    assert report['partitions'] == 2 and report['replication_factor'] == 2
    assert report['under_replicated_partitions'] == [0, 1]
    assert report['offline_partitions'] == [1]
    assert report['partition_details'][0] == dict(partition=0, leader=1, replicas=[1, 2], isr=[1], offline_replicas=[],
                                                  under_replicated=True, offline=False)
    assert report['config'] == {'retention.ms': '1'}
    assert report['internal'] is False


class TestInternalTopics:
    @pytest.mark.parametrize('name, owner', [
        ('__consumer_offsets', 'internal to Kafka'),
        ('__transaction_state', 'internal to Kafka'),
        ('_confluent-metrics', 'internal to Confluent Platform (its name starts with _confluent)'),
        ('_schemas', 'internal to Schema Registry (its name starts with _schemas)'),
        ('connect-configs', 'internal to Kafka Connect (its name ends in -configs)'),
        ('connect-cluster-offsets', 'internal to Kafka Connect (its name ends in -offsets)'),
        ('connect-status', 'internal to Kafka Connect (its name ends in -status)'),
        ('mm2-offsets.east.internal', 'internal to MirrorMaker 2 (its name ends in .internal)'),
        ('east.checkpoints.internal', 'internal to MirrorMaker 2 (its name ends in .internal)'),
        ('billing-totals-store-changelog', 'internal to Kafka Streams (its name ends in -changelog)'),
        ('billing-KSTREAM-AGGREGATE-STATE-STORE-0000000003-repartition', 'internal to Kafka Streams (its name ends in -repartition)'),
    ])
    def test_owners(self, name, owner):
        assert kt.internal_owner(name) == owner

    @pytest.mark.parametrize('name', ['orders', 'status', 'offsets.events', 'app.changelog', '_app', 'connect_offsets'])
    def test_application_topics(self, name):
        assert kt.internal_owner(name) is None

    def test_kafka_topic_info_hides_only_kafkas_own(self):
        assert kt.is_internal('__consumer_offsets') and not kt.is_internal('connect-offsets')

    def test_deleting_a_framework_topic_is_refused(self):
        assert kt.request_errors([topic('connect-offsets', state='absent')]) == [
            'topic connect-offsets is internal to Kafka Connect (its name ends in -offsets) and is never deleted']

    @pytest.mark.parametrize('request_, mode, asked', [
        (topic('__consumer_offsets'), 'replace', 'config cleanup.policy: compact -> broker default delete'),
        (topic('__consumer_offsets', partitions=6), 'merge', 'partitions: 1 -> 6'),
        (topic('__consumer_offsets', replication_factor=2), 'merge', 'replication_factor: 1 -> 2 (1 partitions reassigned)'),
        (topic('__consumer_offsets', config={'retention.ms': 1}), 'merge', 'config retention.ms: 604800000 -> 1'),
    ], ids=['replace-resets-its-config', 'more-partitions', 'replication', 'config'])
    def test_any_change_to_an_internal_topic_is_refused(self, request_, mode, asked):
        state = internal_cluster()
        plans = kt.plan_topics([request_], state, config_mode=mode)
        assert kt.plan_errors(plans, state) == ['topic __consumer_offsets is internal to Kafka and is never changed (asked: %s)' % asked]

    def test_an_internal_topic_listed_as_it_is_is_fine(self):
        state = internal_cluster()
        plans = kt.plan_topics([topic('__consumer_offsets', partitions=1, config={'cleanup.policy': 'compact'})], state)
        assert plans[0].action == 'none' and kt.plan_errors(plans, state) == []

    def test_a_framework_topic_is_never_changed(self):
        state = cluster(topics={'connect-configs': {0: [1]}}, configs={})
        plans = kt.plan_topics([topic('connect-configs', partitions=3)], state)
        assert kt.plan_errors(plans, state) == [
            'topic connect-configs is internal to Kafka Connect (its name ends in -configs) and is never changed (asked: partitions: 1 -> 3)']

    def test_a_missing_framework_topic_may_be_created(self):
        plans = kt.plan_topics([topic('connect-offsets', partitions=25, config={'cleanup.policy': 'compact'})], cluster())
        assert plans[0].action == 'create' and kt.plan_errors(plans, cluster()) == []


def internal_cluster():
    configs = {'cleanup.policy': entry('compact', source='DYNAMIC_TOPIC_CONFIG', type_='LIST', default='delete'),
               'retention.ms': entry('604800000', type_='LONG')}
    return cluster(topics={'__consumer_offsets': {0: [1]}}, configs={'__consumer_offsets': configs})


def compacted(policy='compact', **extra):
    configs = {'cleanup.policy': entry(policy, source='DYNAMIC_TOPIC_CONFIG', type_='LIST', default='delete'),
               'retention.ms': entry('604800000', type_='LONG'),
               'retention.bytes': entry('1000', source='DYNAMIC_TOPIC_CONFIG', type_='LONG', default='-1'),
               'delete.retention.ms': entry('86400000', type_='LONG'),
               'segment.ms': entry('1000', source='DYNAMIC_TOPIC_CONFIG', type_='LONG', default='604800000')}
    configs.update(extra)
    return cluster(topics={'table': {0: [1]}}, configs={'table': configs},
                   schema=dict(SCHEMA, **{'retention.bytes': 'LONG', 'delete.retention.ms': 'LONG', 'segment.ms': 'LONG'}))


class TestCompactedTopics:
    @pytest.mark.parametrize('policy, config, mode, risky', [
        ('compact', {'cleanup.policy': 'delete'}, 'merge', 'cleanup.policy compact -> delete'),
        ('compact,delete', {'cleanup.policy': 'delete'}, 'merge', 'cleanup.policy compact,delete -> delete'),
        ('compact', {'cleanup.policy': 'compact,delete'}, 'merge', 'cleanup.policy compact -> compact,delete'),
        ('compact', {'retention.ms': 1000}, 'merge', 'retention.ms 604800000 -> 1000'),
        ('compact', {'delete.retention.ms': 1}, 'merge', 'delete.retention.ms 86400000 -> 1'),
        ('compact', {'cleanup.policy': 'compact', 'segment.ms': 1000}, 'replace',
         'cleanup.policy compact -> broker default delete'),
    ], ids=['compact-to-delete', 'both-to-delete', 'delete-added', 'retention', 'tombstone-retention', 'replace-resets-the-policy'])
    def test_refused_unless_allowed(self, policy, config, mode, risky):
        state = compacted(policy)
        request = topic('table', config=config)
        if mode == 'replace':
            # The policy override reset, and retention.bytes with it.
            risky += ', retention.bytes 1000 -> broker default -1'
            request = topic('table', config={'segment.ms': 1000})
        plans = kt.plan_topics([request], state, config_mode=mode)
        assert kt.plan_errors(plans, state) == [
            'topic table is compacted (cleanup.policy %s) and %s would delete records that compaction keeps; '
            'set allow_compaction_change: true if that is intended' % (policy, risky)]
        assert kt.plan_errors(plans, state, allow_compaction_change=True) == []

    @pytest.mark.parametrize('config', [{'cleanup.policy': 'compact'}, {'segment.ms': 5000}, {'min.insync.replicas': 2}])
    def test_changes_that_keep_the_records_are_fine(self, config):
        state = compacted()
        assert kt.plan_errors(kt.plan_topics([topic('table', config=config)], state), state) == []

    def test_compact_and_delete_may_drop_delete(self):
        state = compacted('compact,delete')
        assert kt.plan_errors(kt.plan_topics([topic('table', config={'cleanup.policy': 'compact'})], state), state) == []

    def test_a_reset_without_a_known_default_counts_as_a_change(self):
        state = compacted()
        state['configs']['table']['cleanup.policy']['default'] = None
        plans = kt.plan_topics([topic('table', config={'retention.bytes': 1000, 'segment.ms': 1000})], state, config_mode='replace')
        assert 'cleanup.policy compact -> broker default would' in kt.plan_errors(plans, state)[0]

    def test_topics_that_are_not_compacted_are_not_concerned(self):
        plans = kt.plan_topics([topic('orders', config={'cleanup.policy': 'delete', 'retention.ms': 1})], cluster())
        assert plans[0].action == 'update' and kt.plan_errors(plans, cluster()) == []


class TestPruneSafety:
    def test_a_prune_that_lists_nothing_to_keep_is_refused(self):
        for topics in ([], [topic('app.old', state='absent')]):
            assert kt.prune_errors(topics, 10) == [
                'prune needs the topics to keep, and the task lists none (state present): every topic matching '
                'prune_pattern would be deleted; list the topics to keep in topics']
        assert kt.prune_errors([topic('app.a')], 10) == []
        assert kt.prune_errors([topic('app.a')], 0) == ['prune_limit must be at least 1, got 0']

    def test_framework_topics_are_never_pruned(self):
        names = ['app.a', 'app.b', 'app-configs', 'app-offsets', 'app-status', 'app.x.internal', 'app-store-changelog', 'app-agg-repartition']
        state = cluster(topics=dict((name, {0: [1]}) for name in names))
        assert kt.prune_candidates([topic('app.a')], state, 'app.*') == ['app.b']

    def test_more_pruned_topics_than_the_limit_refuse_the_run(self):
        state = cluster(topics=dict(('app.%d' % n, {0: [1]}) for n in range(4)))
        plans = kt.plan_topics([topic('app.0'), topic('app.1', state='absent')], state, prune_pattern=r'app\..*')
        assert [p.action for p in plans] == ['none', 'delete', 'prune', 'prune']
        assert kt.plan_errors(plans, state, prune_limit=2) == []
        assert kt.plan_errors(plans, state, prune_limit=1) == [
            'prune would delete 2 topics, more than prune_limit 1: app.2, app.3; check prune_pattern and the listed topics, or raise prune_limit']

    def test_deletions_name_the_topic_id_read_when_planning(self):
        plans = kt.plan_topics([topic('app.a'), topic('orders', state='absent')], cluster(), prune_pattern=r'app\..*')
        assert [(p.name, p.action, p.topic_id) for p in plans] == [
            ('app.a', 'create', None), ('orders', 'delete', 'id-orders'), ('app.old', 'prune', 'id-app.old')]


def degraded(**overrides):
    """Broker 3 of three is down: live brokers 1 and 2, replicas on 3 stay in the metadata."""
    base = dict(brokers=[1, 2], configs={}, topics={
        'full': {0: [1, 2, 3], 1: [2, 3, 1]},
        'pair': {0: [1, 3], 1: [3, 2]},
        'lonely': {0: [3], 1: [1]},
        'live': {0: [1, 2], 1: [2, 1]},
    }, offline={'lonely': [0]})
    base.update(overrides)
    return cluster(**base)


class TestBrokerDown:
    def test_the_replication_factor_a_topic_has_is_no_change(self):
        state = degraded()
        request = [topic('full', replication_factor=3), topic('pair', replication_factor=2), topic('lonely', replication_factor=1)]
        assert kt.cluster_errors(request, state) == []
        assert [p.action for p in kt.plan_topics(request, state)] == ['none', 'none', 'none']

    def test_new_replicas_go_to_live_brokers_only(self):
        state = degraded(topics={'single': {0: [1], 1: [2], 2: [1]}, 'other': {0: [3]}}, offline={'other': [0]})
        assert kt.cluster_errors([topic('single', replication_factor=2)], state) == []
        plan = plan_one(topic('single', replication_factor=2), state)
        assert plan.reassignments == {0: [1, 2], 1: [2, 1], 2: [1, 2]}

    def test_growth_of_a_partition_with_an_offline_replica_waits_for_its_broker(self):
        # Kafka 3.9 would not finish the reassignment while broker 3 is down.
        errors = kt.cluster_errors([topic('pair', replication_factor=3)], degraded(brokers=[1, 2, 4]))
        assert errors == ['topic pair: partitions 0, 1 have a replica on offline broker 3, and a reassignment that adds '
                          'replicas to them would not finish before it is back; start it again first']

    def test_shrinking_drops_the_offline_replicas(self):
        state = degraded()
        plan = plan_one(topic('full', replication_factor=2), state)
        assert plan.reassignments == {0: [1, 2], 1: [2, 1]}
        plan = plan_one(topic('pair', replication_factor=1), state)
        assert plan.reassignments == {0: [1], 1: [2]}

    def test_too_few_live_brokers_is_refused_clearly(self):
        errors = kt.cluster_errors([topic('live', replication_factor=3)], degraded())
        assert errors == ['topic live: replication factor 3 needs 3 brokers, the cluster has 2 live (offline: 3); '
                          'start the offline brokers again or ask for fewer replicas']
        assert kt.cluster_errors([topic('new', replication_factor=3)], degraded()) == [errors[0].replace('topic live', 'topic new')]

    def test_a_partition_without_leader_cannot_change(self):
        errors = kt.cluster_errors([topic('lonely', replication_factor=2)], degraded())
        assert errors == ['topic lonely: partitions 0 have no leader (every in-sync replica is on an offline broker); '
                          'the replication factor can change once they are online again']

    def test_balancing_never_moves_a_replica_to_an_offline_broker(self):
        parts = dict((p, [p % 2 + 1, 3, (p + 1) % 2 + 1]) for p in range(6))
        plan = plan_one(topic('t', replication_factor=2), degraded(topics={'t': parts}, offline={}))
        assert all(3 not in replicas and replicas[0] == parts[p][0] for p, replicas in plan.reassignments.items())
