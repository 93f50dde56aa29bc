# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Pure logic of kafka_acl: binding normalisation, validation, plans within a scope, diff."""

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_acls as ka


def b(principal, operation='read', resource_type='topic', resource_name='orders', host='*', permission='allow', pattern_type='literal'):
    return ka.Binding(principal, host, operation, permission, resource_type, resource_name, pattern_type)


def entry(principal='User:alice', operation='read', resource_type='topic', resource_name='orders', **fields):
    base = dict(principal=principal, operation=operation, resource_type=resource_type, resource_name=resource_name)
    base.update(fields)
    return base


def wanted(*entries, **top):
    result, errors = ka.desired_bindings(dict(acls=list(entries), state=top.get('state', 'present')))
    assert errors == []
    return result


@pytest.mark.parametrize('spelling', ['read', 'READ', 'Read'])
def test_operation_spellings(spelling):
    assert ka.entry_binding(entry(operation=spelling))[0] == b('User:alice')


def test_kafka_acls_names_and_defaults():
    binding = ka.entry_binding(entry(operation='DescribeConfigs', host='127.0.0.1'))[0]
    assert binding == b('User:alice', operation='describe_configs', host='127.0.0.1')
    cluster = ka.entry_binding(entry(operation='idempotent-write', resource_type='cluster', resource_name=None))[0]
    assert cluster == b('User:alice', operation='idempotent_write', resource_type='cluster', resource_name='kafka-cluster')


@pytest.mark.parametrize('fields, message', [
    (dict(operation='fly'), "unknown operation 'fly' (valid: all, read, write, create"),
    (dict(operation='idempotent_write'), 'operation idempotent_write does not apply to a topic (valid: all, read'),
    (dict(operation='write', resource_type='group'), 'operation write does not apply to a group'),
    (dict(principal='alice'), 'principal must be TYPE:NAME'),
    (dict(principal='User:'), 'principal must be TYPE:NAME'),
    (dict(host='kafka1.example.com'), 'host must be * or an IP address'),
    (dict(resource_name=''), 'resource_name is required'),
    (dict(resource_name='*', pattern_type='prefixed'), 'a prefixed * matches no name'),
    (dict(resource_type='cluster', resource_name='other', operation='alter'), 'the cluster resource is named kafka-cluster'),
    (dict(resource_type='user'), "unknown resource_type 'user'"),
])
def test_invalid_entries(fields, message):
    binding, errors = ka.entry_binding(entry(**fields))
    assert binding is None and len(errors) == 1 and message in errors[0], errors


def test_request_errors():
    assert ka.desired_bindings(dict(acls=[], state='present'))[1] == ['acls lists no binding']
    conflicting = ka.desired_bindings(dict(acls=[entry(), entry(state='absent')], state='present'))[1]
    assert conflicting == ['User:alice ALLOW READ on TOPIC:LITERAL:orders from * is listed both present and absent']
    assert len(wanted(entry(), entry(operation='READ'))) == 1, 'the same binding twice is one binding'


EXISTING = {b('User:alice'), b('User:alice', 'write'), b('User:alice', resource_name='old'),
            b('User:bob'), b('User:bob', resource_type='group', resource_name='bobs')}


def test_plan_adds_and_removes_only_what_is_listed():
    plan = ka.plan(wanted(entry(), entry(resource_name='new'), entry(operation='write', state='absent')), EXISTING, False, 'principals')
    assert plan.add == [b('User:alice', resource_name='new')]
    assert plan.remove == [b('User:alice', 'write')]
    assert b('User:alice', resource_name='old') in plan.after and b('User:bob') not in plan.after


def test_prune_within_principals_leaves_other_principals():
    plan = ka.plan(wanted(entry()), EXISTING, True, 'principals')
    assert plan.add == [] and plan.remove == [b('User:alice', resource_name='old'), b('User:alice', 'write')]
    assert plan.after == [b('User:alice')]
    assert not any(binding.principal == 'User:bob' for binding in plan.remove)


def test_prune_within_resources_leaves_other_resources():
    plan = ka.plan(wanted(entry(principal='User:carol')), EXISTING, True, 'resources')
    assert plan.add == [b('User:carol')]
    assert plan.remove == [b('User:alice'), b('User:alice', 'write'), b('User:bob')], 'every other binding on topic orders'
    assert all(binding.resource_name == 'orders' for binding in plan.remove)
    assert plan.after == [b('User:carol')]


def test_nothing_to_do_and_diff_lines():
    plan = ka.plan(wanted(entry(), entry(operation='write')), EXISTING, False, 'principals')
    assert not plan.changed
    diff = ka.diff(ka.plan(wanted(entry(principal='User:bob', resource_type='group', resource_name='bobs', state='absent')), EXISTING,
                           False, 'principals'))
    assert diff == {'before': ['User:bob ALLOW READ on GROUP:LITERAL:bobs from *', 'User:bob ALLOW READ on TOPIC:LITERAL:orders from *'],
                    'after': ['User:bob ALLOW READ on TOPIC:LITERAL:orders from *']}
    assert ka.binding_dict(b('User:bob')) == dict(principal='User:bob', host='*', operation='read', permission='allow',
                                                  resource_type='topic', resource_name='orders', pattern_type='literal')
