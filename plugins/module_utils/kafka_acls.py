# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of kafka_acl: bindings normalised, validated, planned and shown.

A binding is a Binding tuple of plain strings: the principal, host and resource name as given,
the operation, permission, resource type and pattern type in lower case (read, allow, topic,
literal), so that the task's entries and kafka-python's ACL objects compare as equal.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import ipaddress

Binding = collections.namedtuple('Binding', 'principal host operation permission resource_type resource_name pattern_type')

RESOURCE_TYPES = ('topic', 'group', 'cluster', 'transactional_id', 'delegation_token')
PATTERN_TYPES = ('literal', 'prefixed')
PERMISSIONS = ('allow', 'deny')
OPERATIONS = ('all', 'read', 'write', 'create', 'delete', 'alter', 'describe', 'cluster_action', 'describe_configs',
              'alter_configs', 'idempotent_write', 'create_tokens', 'describe_tokens')
# What each resource type supports (Kafka's AclEntry.supportedOperations, as kafka-acls.sh checks it), plus all.
SUPPORTED_OPERATIONS = {
    'topic': ('read', 'write', 'create', 'describe', 'delete', 'alter', 'describe_configs', 'alter_configs'),
    'group': ('read', 'describe', 'delete', 'describe_configs', 'alter_configs'),
    'cluster': ('create', 'cluster_action', 'describe_configs', 'alter_configs', 'idempotent_write', 'alter', 'describe'),
    'transactional_id': ('describe', 'write'),
    'delegation_token': ('describe',),
}
CLUSTER_NAME = 'kafka-cluster'
PRUNE_SCOPES = ('principals', 'resources')


def _key(text):
    return str(text).strip().lower().replace('-', '').replace('_', '').replace(' ', '')


def _lookup(text, names):
    """The name among names that text means: 'DescribeConfigs', 'describe-configs' and 'DESCRIBE_CONFIGS' are the same."""
    if text is None:
        return None
    wanted = _key(text)
    for name in names:
        if _key(name) == wanted:
            return name
    return None


def entry_binding(entry):
    """(Binding or None, errors) of one entry of the task."""
    errors = []
    named = [key for key in ('principal', 'operation', 'resource_type', 'resource_name') if entry.get(key) is not None]
    label = 'acl %s' % ', '.join('%s=%s' % (key, entry[key]) for key in named)
    principal = (entry.get('principal') or '').strip()
    kind, colon, name = principal.partition(':')
    if not colon or not kind or not name:
        errors.append('%s: principal must be TYPE:NAME, for example User:alice, not %r' % (label, principal))
    host = (entry.get('host') or '*').strip()
    if host != '*':
        try:
            host = str(ipaddress.ip_address(host))
        except ValueError:
            errors.append('%s: host must be * or an IP address (Kafka matches client addresses, not names), not %r' % (label, host))
    resource_type = _lookup(entry.get('resource_type'), RESOURCE_TYPES)
    if resource_type is None:
        errors.append('%s: unknown resource_type %r (valid: %s)' % (label, entry.get('resource_type'), ', '.join(RESOURCE_TYPES)))
    operation = _lookup(entry.get('operation'), OPERATIONS)
    if operation is None:
        errors.append('%s: unknown operation %r (valid: %s)' % (label, entry.get('operation'), ', '.join(OPERATIONS)))
    elif resource_type and operation != 'all' and operation not in SUPPORTED_OPERATIONS[resource_type]:
        errors.append('%s: operation %s does not apply to a %s (valid: all, %s)'
                      % (label, operation, resource_type, ', '.join(SUPPORTED_OPERATIONS[resource_type])))
    permission = _lookup(entry.get('permission') or 'allow', PERMISSIONS)
    if permission is None:
        errors.append('%s: permission must be allow or deny, not %r' % (label, entry.get('permission')))
    pattern_type = _lookup(entry.get('pattern_type') or 'literal', PATTERN_TYPES)
    if pattern_type is None:
        errors.append('%s: pattern_type must be literal or prefixed, not %r' % (label, entry.get('pattern_type')))
    resource_name = entry.get('resource_name')
    if resource_type == 'cluster':
        resource_name = CLUSTER_NAME if resource_name is None else resource_name
        if resource_name != CLUSTER_NAME or pattern_type != 'literal':
            errors.append('%s: the cluster resource is named %s, with pattern_type literal' % (label, CLUSTER_NAME))
    elif not resource_name:
        errors.append('%s: resource_name is required (* for every %s)' % (label, resource_type or 'resource'))
    elif resource_name == '*' and pattern_type == 'prefixed':
        errors.append('%s: * is the wildcard of literal patterns; a prefixed * matches no name' % label)
    if errors:
        return None, errors
    return Binding(principal, host, operation, permission, resource_type, resource_name, pattern_type), []


def desired_bindings(params):
    """([(Binding, state)], errors) of the task, each binding once."""
    wanted, errors, states = [], [], {}
    for entry in params['acls'] or []:
        binding, problems = entry_binding(entry)
        errors.extend(problems)
        if binding is None:
            continue
        state = entry.get('state') or params['state']
        if binding in states:
            if states[binding] != state:
                errors.append('%s is listed both present and absent' % binding_text(binding))
            continue
        states[binding] = state
        wanted.append((binding, state))
    if not params['acls']:
        errors.append('acls lists no binding')
    return wanted, errors


def binding_text(binding):
    """One line a reader (and sorting) can use: principal first."""
    return '%s %s %s on %s:%s:%s from %s' % (
        binding.principal, binding.permission.upper(), binding.operation.upper(),
        binding.resource_type.upper(), binding.pattern_type.upper(), binding.resource_name, binding.host)


def binding_dict(binding):
    return dict(binding._asdict())


def in_scope(binding, wanted, scope):
    """Whether a binding of the cluster concerns the principals (or the resources) the task names."""
    if scope == 'principals':
        return binding.principal in set(item[0].principal for item in wanted)
    return (binding.resource_type, binding.resource_name, binding.pattern_type) in set(
        (item[0].resource_type, item[0].resource_name, item[0].pattern_type) for item in wanted)


class AclPlan(object):
    def __init__(self, add, remove, before, after):
        self.add = add
        self.remove = remove
        self.before = before
        self.after = after

    @property
    def changed(self):
        return bool(self.add or self.remove)


def plan(wanted, existing, prune, scope):
    """What to create and delete so that the cluster's bindings (existing, a set) match the task;
    before and after are the bindings in scope (principals or resources the task names)."""
    existing = set(existing)
    present = set(item[0] for item in wanted if item[1] == 'present')
    absent = set(item[0] for item in wanted if item[1] == 'absent')
    add = sorted(present - existing, key=binding_text)
    remove = set(absent & existing)
    if prune:
        remove |= set(b for b in existing if in_scope(b, wanted, scope) and b not in present)
    remove = sorted(remove, key=binding_text)
    before = sorted((b for b in existing if in_scope(b, wanted, scope)), key=binding_text)
    after = sorted((set(before) | set(add)) - set(remove), key=binding_text)
    return AclPlan(add, remove, before, after)


def diff(acl_plan):
    return dict(before=[binding_text(b) for b in acl_plan.before], after=[binding_text(b) for b in acl_plan.after])
