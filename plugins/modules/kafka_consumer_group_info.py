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
  - An assigned partition that the group never committed lags by its whole log (log end minus log start),
    since until the group commits nothing says it read any of it. RV(groups.uncommitted_partitions) lists them.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
  - eda.platform.attributes.info_module
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
      - An assigned partition without a committed offset counts with its whole log.
      - Fails as well when a group named in O(groups) does not exist (no member and no committed offset),
        as its lag cannot be known.
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
          description:
            - Log end offset minus committed offset.
            - Without a committed offset, the whole log (log end offset minus log start offset).
            - V(null) when the topic no longer exists.
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
    uncommitted_partitions:
      description: Partitions (C(topic-partition)) the group is assigned but never committed; their lag is their whole log.
      type: list
      elements: str
      sample: ["invoices-1"]
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

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin, kafka_groups
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule, ModuleFailure


class GroupReader(object):
    """The chosen groups with their offsets and lag; with max_lag, a failure that carries the report."""

    def __init__(self, client):
        self.params = client.params

    def wanted(self, group_id):
        if self.params['groups'] is not None:
            return group_id in self.params['groups']
        return re.fullmatch(self.params['pattern'] or '.*', group_id) is not None

    def run(self, admin):
        groups, end_offsets, start_offsets = kafka_admin.read_groups(admin, self.wanted)
        reports = dict((group_id, kafka_groups.group_report(listing, description, committed, end_offsets, start_offsets))
                       for group_id, (listing, description, committed) in groups.items())
        result = dict(changed=False, groups=reports, missing=sorted(set(self.params['groups'] or []) - set(reports)))
        if self.params['max_lag'] is not None:
            errors = kafka_groups.lag_errors(sorted(reports.values(), key=lambda r: r['group_id']), self.params['max_lag'])
            if result['missing']:
                errors.append(kafka_groups.missing_group_error(result['missing']))
            if errors:
                raise ModuleFailure('; '.join(errors), **result)
        return result


def main():
    client = AnsibleKafkaModule(dict(groups=dict(type='list', elements='str'), pattern=dict(type='str'), max_lag=dict(type='int')),
                                failure='Cannot describe the consumer groups', regex_options=['pattern'],
                                mutually_exclusive=[('groups', 'pattern')])
    client.run(GroupReader)


if __name__ == '__main__':
    main()
