#!/usr/bin/python
# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_acl
short_description: Declare Kafka ACL bindings, many in one task, and prune the unlisted ones of the principals or resources named
version_added: 0.1.0
description:
  - Creates and deletes the ACL bindings of a Kafka cluster that has an authorizer (C(StandardAuthorizer) in KRaft,
    C(AclAuthorizer) with ZooKeeper), so that they match the request.
  - Many bindings in one task; the cluster's bindings are read with one request, and the changes go in one create
    and one delete request.
  - A binding is a principal, a host, an operation, a permission (allow or deny) and a resource (type, name and pattern type),
    as C(kafka-acls.sh) shows it. Two bindings that differ in any of these are different bindings.
  - With O(prune=true), the bindings that are not listed are deleted, but only those of the principals
    (O(prune_scope=principals)) or the resources (O(prune_scope=resources)) that the task names; never every binding
    of the cluster. A prune that lists no binding is refused.
  - The whole request is validated before anything changes (principal form, host, operation, the operations each resource
    type supports, as C(kafka-acls.sh) checks them); when one entry is invalid, no binding is changed.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the bindings and predicts exactly what would be created and deleted.
  diff_mode:
    support: full
    details:
      - Shows the bindings in scope (those of the principals or the resources the task names, see O(prune_scope))
        before and after, one sorted line per binding.
  idempotent:
    support: full
options:
  acls:
    description:
      - The bindings.
    type: list
    elements: dict
    required: true
    suboptions:
      principal:
        description:
          - The principal, C(TYPE:NAME), for example V(User:alice) (a SCRAM user's name) or V(User:*) for everyone.
        type: str
        required: true
      host:
        description:
          - The client address the binding applies to, V(*) for every address. Kafka compares IP addresses, not host names.
        type: str
        default: '*'
      operation:
        description:
          - One of V(all), V(read), V(write), V(create), V(delete), V(alter), V(describe), V(cluster_action),
            V(describe_configs), V(alter_configs), V(idempotent_write), V(create_tokens), V(describe_tokens).
          - Case, V(-) and V(_) do not matter, so the names of C(kafka-acls.sh) (V(DescribeConfigs)) work too.
          - The operation must apply to the resource type (for example V(read) on a V(topic) or a V(group), V(idempotent_write)
            on the V(cluster)); anything else is refused, with the valid ones.
        type: str
        required: true
      permission:
        description:
          - V(allow) or V(deny). A deny wins over any allow.
        type: str
        choices: [allow, deny]
        default: allow
      resource_type:
        description:
          - The kind of resource.
        type: str
        choices: [topic, group, cluster, transactional_id, delegation_token]
        required: true
      resource_name:
        description:
          - The resource's name, or the prefix with O(acls[].pattern_type=prefixed); V(*) with V(literal) means every
            resource of the type.
          - Required except for V(cluster), whose one resource is named V(kafka-cluster).
        type: str
      pattern_type:
        description:
          - V(literal) matches the name exactly (or every name for V(*)), V(prefixed) every name that starts with it.
        type: str
        choices: [literal, prefixed]
        default: literal
      state:
        description:
          - V(present) creates the binding, V(absent) deletes it. Defaults to O(state).
        type: str
        choices: [present, absent]
  state:
    description:
      - Default state of the entries of O(acls) that do not set their own.
    type: str
    choices: [present, absent]
    default: present
  prune:
    description:
      - Delete the bindings in scope (see O(prune_scope)) that are not listed with O(acls[].state=present).
    type: bool
    default: false
  prune_scope:
    description:
      - Which bindings O(prune) may delete, and which bindings C(acls) and the diff show.
      - V(principals) is every binding of a principal that O(acls) names (any resource).
      - V(resources) is every binding on a resource (type, name and pattern type) that O(acls) names (any principal).
    type: str
    choices: [principals, resources]
    default: principals
notes:
  - The admin connection needs the C(Describe) and C(Alter) operations on the cluster resource, or to be a super user.
  - The brokers apply new bindings from the cluster metadata; a client may be refused for a moment after the task.
seealso:
  - module: eda.platform.kafka_user
'''

EXAMPLES = r'''
- name: A consumer and a producer of the orders topic
  eda.platform.kafka_acl:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ kafka_admin_password }}"
    ssl_cafile: /etc/kafka/ca.pem
    acls:
      - {principal: "User:billing", operation: read, resource_type: topic, resource_name: orders}
      - {principal: "User:billing", operation: read, resource_type: group, resource_name: billing-, pattern_type: prefixed}
      - {principal: "User:orders-service", operation: write, resource_type: topic, resource_name: orders}
      - {principal: "User:orders-service", operation: idempotent_write, resource_type: cluster}

- name: Exactly these bindings for the event workers (their other bindings are deleted)
  eda.platform.kafka_acl:
    bootstrap_servers: kafka1:9092
    acls:
      - {principal: "User:event-workers", operation: read, resource_type: topic, resource_name: events.in}
      - {principal: "User:event-workers", operation: write, resource_type: topic, resource_name: events.out}
      - {principal: "User:event-workers", operation: read, resource_type: group, resource_name: event-workers}
    prune: true
    prune_scope: principals

- name: Nobody but the auditors reads the audit topics
  eda.platform.kafka_acl:
    bootstrap_servers: kafka1:9092
    acls:
      - {principal: "User:auditor", operation: read, resource_type: topic, resource_name: audit., pattern_type: prefixed}
    prune: true
    prune_scope: resources

- name: Remove one binding
  eda.platform.kafka_acl:
    bootstrap_servers: kafka1:9092
    acls:
      - {principal: "User:legacy", operation: all, resource_type: topic, resource_name: "*", state: absent}
'''

RETURN = r'''
added:
  description: The bindings created (or that would be, in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "User:billing", "host": "*", "operation": "read", "permission": "allow",
            "resource_type": "topic", "resource_name": "orders", "pattern_type": "literal"}]
removed:
  description: The bindings deleted (or that would be, in check mode), in the same form.
  returned: always
  type: list
  elements: dict
  sample: []
acls:
  description:
    - The bindings in scope (see O(prune_scope)) after the task (predicted in check mode), in the same form, sorted.
  returned: always
  type: list
  elements: dict
  sample: [{"principal": "User:billing", "host": "*", "operation": "read", "permission": "allow",
            "resource_type": "topic", "resource_name": "orders", "pattern_type": "literal"}]
diff:
  description: The bindings in scope before and after, one line each, sorted (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample: {"before": [], "after": ["User:billing ALLOW READ on TOPIC:LITERAL:orders from *"]}
'''

from ansible_collections.eda.platform.plugins.module_utils import kafka_acls
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule, ModuleFailure, error_message

try:
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern,
                             ResourcePatternFilter, ResourceType)
    from kafka.errors import SecurityDisabledError
except ImportError:
    SecurityDisabledError = None  # AnsibleKafkaModule reports the missing library

STATES = ['present', 'absent']


def argument_spec():
    return dict(
        acls=dict(type='list', elements='dict', required=True, options=dict(
            principal=dict(type='str', required=True),
            host=dict(type='str', default='*'),
            operation=dict(type='str', required=True),
            permission=dict(type='str', default='allow', choices=list(kafka_acls.PERMISSIONS)),
            resource_type=dict(type='str', required=True, choices=list(kafka_acls.RESOURCE_TYPES)),
            resource_name=dict(type='str'),
            pattern_type=dict(type='str', default='literal', choices=list(kafka_acls.PATTERN_TYPES)),
            state=dict(type='str', choices=STATES),
        )),
        state=dict(type='str', default='present', choices=STATES),
        prune=dict(type='bool', default=False),
        prune_scope=dict(type='str', default='principals', choices=list(kafka_acls.PRUNE_SCOPES)),
    )


def refuse(errors):
    if errors:
        raise ModuleFailure('Nothing changed, the request is invalid: %s' % '; '.join(errors), errors=errors)


def to_binding(acl):
    pattern = acl.resource_pattern
    return kafka_acls.Binding(acl.principal, acl.host, acl.operation.name.lower(), acl.permission_type.name.lower(),
                              pattern.resource_type.name.lower(), pattern.resource_name, pattern.pattern_type.name.lower())


def to_acl(binding, kind):
    """The kafka-python ACL (kind ACL) or the exact ACLFilter (kind ACLFilter) of a binding."""
    pattern = (ResourcePattern if kind is ACL else ResourcePatternFilter)(
        ResourceType[binding.resource_type.upper()], binding.resource_name, ACLResourcePatternType[binding.pattern_type.upper()])
    return kind(binding.principal, binding.host, ACLOperation[binding.operation.upper()],
                ACLPermissionType[binding.permission.upper()], pattern)


class AclManager(object):
    """The request validated (here, before any connection), the bindings read, the plan applied
    unless in check mode: check mode predicts exactly."""

    def __init__(self, client):
        self.client = client
        self.params = client.params
        self.wanted, errors = kafka_acls.desired_bindings(self.params)
        refuse(errors)

    def run(self, admin):
        acl_plan = kafka_acls.plan(self.wanted, self.read(admin), self.params['prune'], self.params['prune_scope'])
        if not self.client.check_mode and acl_plan.changed:
            self.apply(admin, acl_plan)
        result = dict(changed=acl_plan.changed,
                      added=[kafka_acls.binding_dict(b) for b in acl_plan.add],
                      removed=[kafka_acls.binding_dict(b) for b in acl_plan.remove],
                      acls=[kafka_acls.binding_dict(b) for b in acl_plan.after])
        if self.client.diff:
            result['diff'] = kafka_acls.diff(acl_plan)
        return result

    @staticmethod
    def read(admin):
        everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                               resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        try:
            acls = admin.describe_acls(everything)[0]
        except SecurityDisabledError as exc:
            raise ModuleFailure('Nothing changed: the cluster has no authorizer, so it has no ACLs (set authorizer.class.name '
                                'on the brokers): %s' % error_message(exc))
        # Every binding, also those of resource types the task cannot name (user): a prune by principal deletes
        # every unlisted binding of that principal, as documented.
        return set(to_binding(acl) for acl in acls)

    def apply(self, admin, acl_plan):
        done = []
        if acl_plan.add:
            answer = admin.create_acls([to_acl(b, ACL) for b in acl_plan.add])
            if answer['failed']:
                raise ModuleFailure('Kafka refused to create %d of the %d bindings: %s (nothing deleted)'
                                    % (len(answer['failed']), len(acl_plan.add), ', '.join(sorted(set(e.__name__ for e in answer['failed'])))),
                                    changed=bool(answer['succeeded']),
                                    added=[kafka_acls.binding_dict(to_binding(acl)) for acl in answer['succeeded']], removed=[])
            done.extend(acl_plan.add)
        if acl_plan.remove:
            failed = []
            for answer in admin.delete_acls([to_acl(b, ACLFilter) for b in acl_plan.remove]):
                # (the filter, the bindings it matched, the error class)
                if answer[2].errno:
                    failed.append('%s: %s' % (kafka_acls.binding_text(to_binding(answer[0])), answer[2].__name__))
            if failed:
                raise ModuleFailure('Kafka refused to delete %s (bindings created: %d)' % ('; '.join(failed), len(done)),
                                    changed=True, added=[kafka_acls.binding_dict(b) for b in acl_plan.add])


def main():
    client = AnsibleKafkaModule(argument_spec(), failure='Kafka request failed')
    client.run(AclManager)


if __name__ == '__main__':
    main()
