#!/usr/bin/python
# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_consumer_group_info
short_description: Describe Kafka consumer groups, their members, offsets and lag
version_added: 0.1.0
description:
  - Returns what C(kafka-consumer-groups.sh --describe) shows for each group, as data;
    the state, the members and their assignments, and per partition the committed offset,
    the log end offset and the lag, with the total lag per topic and per group.
  - With O(max_lag), fails when a group lags more, which makes it a health check.
author:
  - eda.platform developers (@eda-platform)
extends_documentation_fragment:
  - eda.platform.kafka_connection
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
options:
  groups:
    description:
      - Group ids to describe. Groups that do not exist are listed in RV(missing).
      - Mutually exclusive with O(pattern). Without both, every group is described.
    type: list
    elements: str
  pattern:
    description:
      - Python regular expression that must match a whole group id.
    type: str
  max_lag:
    description:
      - Fail when the total lag of a described group is above this number of messages.
      - Partitions without a committed offset count for no lag, as their lag is unknown.
    type: int
seealso:
  - module: eda.platform.kafka_topic_info
'''

EXAMPLES = r'''
- name: Describe the groups of an application
  eda.platform.kafka_consumer_group_info:
    bootstrap_servers: kafka1:9092
    pattern: 'billing-.*'
  register: groups

- name: Show the lag per topic of one group
  ansible.builtin.debug:
    var: groups.groups['billing-invoices'].topic_lag

- name: Fail when the consumers fall behind
  eda.platform.kafka_consumer_group_info:
    bootstrap_servers: kafka1:9092
    groups: [billing-invoices]
    max_lag: 10000
'''

RETURN = r'''
groups:
  description: The described groups, keyed by group id.
  returned: always
  type: dict
  contains:
    group_id:
      description: Group id.
      type: str
      sample: billing-invoices
    state:
      description: Group state, such as V(Stable), V(Empty), V(PreparingRebalance) or V(Dead).
      type: str
      sample: Stable
    protocol_type:
      description: Protocol type, V(consumer) for consumer groups.
      type: str
      sample: consumer
    group_type:
      description: V(classic) or V(consumer) (KIP-848), when the broker tells.
      type: str
      sample: classic
    assignor:
      description: Partition assignor of a stable classic group.
      type: str
      sample: range
    error:
      description: Error of the group description, when the broker could not describe it.
      type: str
      sample: null
    members:
      description: Group members.
      type: list
      elements: dict
      contains:
        member_id:
          description: Member id.
          type: str
        group_instance_id:
          description: Static membership id, if any.
          type: str
        client_id:
          description: Client id of the consumer.
          type: str
        host:
          description: Address of the consumer as the broker sees it.
          type: str
        assignment:
          description: Assigned partitions as C(topic-partition).
          type: list
          elements: str
    partitions:
      description: One row per partition the group committed or is assigned.
      type: list
      elements: dict
      contains:
        topic:
          description: Topic name.
          type: str
        partition:
          description: Partition index.
          type: int
        committed_offset:
          description: Committed offset, V(null) when the group has none.
          type: int
        log_end_offset:
          description: Offset of the next message written to the partition.
          type: int
        lag:
          description: Log end offset minus committed offset, V(null) without a committed offset.
          type: int
        member_id:
          description: Member the partition is assigned to, V(null) when none.
          type: str
        client_id:
          description: Client id of that member.
          type: str
        host:
          description: Host of that member.
          type: str
    topic_lag:
      description: Total lag per topic.
      type: dict
      sample: {"invoices": 42}
    total_lag:
      description: Total lag of the group.
      type: int
      sample: 42
missing:
  description: Groups named in O(groups) that the cluster does not know.
  returned: always
  type: list
  elements: str
  sample: []
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin, kafka_groups
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import (
    CONNECTION_REQUIRED_IF, KafkaError, admin_client, connection_argument_spec, error_message)


def group_filter(params):
    if params['groups'] is not None:
        return lambda group_id: group_id in params['groups']
    pattern = re.compile(params['pattern'] or '.*')
    return lambda group_id: pattern.fullmatch(group_id) is not None


def describe(admin, params):
    groups, end_offsets = kafka_admin.read_groups(admin, group_filter(params))
    reports = dict((group_id, kafka_groups.group_report(listing, description, committed, end_offsets))
                   for group_id, (listing, description, committed) in groups.items())
    return dict(groups=reports, missing=sorted(set(params['groups'] or []) - set(reports)))


def main():
    spec = connection_argument_spec()
    spec.update(
        groups=dict(type='list', elements='str'),
        pattern=dict(type='str'),
        max_lag=dict(type='int'),
    )
    module = AnsibleModule(argument_spec=spec, mutually_exclusive=[('groups', 'pattern')],
                           required_if=CONNECTION_REQUIRED_IF, supports_check_mode=True)
    try:
        re.compile(module.params['pattern'] or '')
    except re.error as exc:
        module.fail_json(msg='pattern %r is not a valid regular expression: %s' % (module.params['pattern'], exc))
    with admin_client(module) as admin:
        try:
            result = describe(admin, module.params)
        except KafkaError as exc:
            module.fail_json(msg='Cannot describe the consumer groups: %s' % error_message(exc))
    if module.params['max_lag'] is not None:
        errors = kafka_groups.lag_errors(sorted(result['groups'].values(), key=lambda r: r['group_id']), module.params['max_lag'])
        if errors:
            module.fail_json(msg='; '.join(errors), **result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
