#!/usr/bin/python
# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_topic_info
short_description: Describe Kafka topics, their partitions, replicas and configuration
version_added: 0.1.0
description:
  - Returns the partitions of Kafka topics with their leaders, replicas and in-sync replicas,
    the under-replicated and offline partitions, and the config keys set on each topic.
  - Reads everything with one metadata request and one config request, whatever the number of topics.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
  - eda.platform.attributes.info_module
options:
  names:
    description:
      - Topics to describe. Topics that do not exist are listed in RV(missing).
      - Mutually exclusive with O(pattern). Without both, every topic is described.
    type: list
    elements: str
  pattern:
    description:
      - Python regular expression that must match a whole topic name, for example V(orders\\..*).
    type: str
  include_internal:
    description:
      - Also describe internal topics such as C(__consumer_offsets) when O(names) does not name them.
    type: bool
    default: false
seealso:
  - module: eda.platform.kafka_topic
'''

EXAMPLES = r'''
- name: Describe two topics
  eda.platform.kafka_topic_info:
    bootstrap_servers: kafka1:9092
    names: [orders, payments]
  register: info

- name: Fail when a partition is under-replicated
  ansible.builtin.assert:
    that: info.under_replicated_partitions == 0
    fail_msg: "{{ info.topics | dict2items | selectattr('value.under_replicated_partitions') | map(attribute='key') }}"

- name: Every topic of an application
  eda.platform.kafka_topic_info:
    bootstrap_servers: kafka1:9092
    pattern: 'app\..*'
'''

RETURN = r'''
cluster:
  description: The cluster the topics belong to.
  returned: always
  type: dict
  contains:
    cluster_id:
      description: Cluster id.
      type: str
      sample: MkU3OEVBNTcwNTJENDM2Qk
    controller_id:
      description: Id of the broker that answers as controller.
      type: int
      sample: 1
    brokers:
      description: Ids of the live brokers.
      type: list
      elements: int
      sample: [1, 2, 3]
topics:
  description: The described topics, keyed by name.
  returned: always
  type: dict
  contains:
    name:
      description: Topic name.
      type: str
      sample: orders
    topic_id:
      description: Topic id.
      type: str
      sample: 28a1a26f-9e81-4cab-a741-b7deaae738be
    internal:
      description: Whether the topic is internal to Kafka.
      type: bool
      sample: false
    partitions:
      description: Number of partitions.
      type: int
      sample: 3
    replication_factor:
      description: Replica count of partition 0, as C(kafka-topics.sh) shows it.
      type: int
      sample: 3
    partition_details:
      description: One entry per partition.
      type: list
      elements: dict
      contains:
        partition:
          description: Partition index.
          type: int
        leader:
          description: Broker id of the leader, V(-1) when the partition is offline.
          type: int
        replicas:
          description: Broker ids of the replicas, preferred leader first.
          type: list
          elements: int
        isr:
          description: Broker ids of the in-sync replicas.
          type: list
          elements: int
        offline_replicas:
          description: Broker ids of the replicas that are offline.
          type: list
          elements: int
        under_replicated:
          description: Fewer in-sync replicas than replicas.
          type: bool
        offline:
          description: The partition has no leader.
          type: bool
    under_replicated_partitions:
      description: Indexes of the under-replicated partitions.
      type: list
      elements: int
      sample: []
    offline_partitions:
      description: Indexes of the partitions without a leader.
      type: list
      elements: int
      sample: []
    config:
      description: Config keys set on the topic (not broker defaults), with their values.
      type: dict
      sample: {"retention.ms": "86400000"}
missing:
  description: Topics named in O(names) that do not exist.
  returned: always
  type: list
  elements: str
  sample: []
under_replicated_partitions:
  description: Number of under-replicated partitions over all described topics.
  returned: always
  type: int
  sample: 0
offline_partitions:
  description: Number of offline partitions over all described topics.
  returned: always
  type: int
  sample: 0
'''

import re

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin, kafka_topics
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule


class TopicReader(object):
    """Every chosen topic, read with one metadata request and one config request."""

    def __init__(self, client):
        self.names = client.params['names']
        self.pattern = re.compile(client.params['pattern'] or '.*')
        self.include_internal = client.params['include_internal']

    def chosen(self, names):
        if self.names is not None:
            return [name for name in names if name in self.names]
        return [name for name in names if self.pattern.fullmatch(name)
                and (self.include_internal or not kafka_topics.is_internal(name))]

    def run(self, admin):
        cluster = kafka_admin.cluster_brokers(admin)
        metadata = kafka_admin.topic_metadata(admin, self.names)
        names = sorted(self.chosen(metadata))
        configs = kafka_admin.topic_configs(admin, names)
        topics = dict((name, kafka_topics.topic_report(metadata[name], configs.get(name, {}))) for name in names)
        return dict(
            changed=False,
            cluster=dict(cluster_id=cluster['cluster_id'], controller_id=cluster['controller_id'], brokers=cluster['brokers']),
            topics=topics,
            missing=sorted(set(self.names or []) - set(metadata)),
            under_replicated_partitions=sum(len(t['under_replicated_partitions']) for t in topics.values()),
            offline_partitions=sum(len(t['offline_partitions']) for t in topics.values()),
        )


def main():
    options = dict(names=dict(type='list', elements='str'), pattern=dict(type='str'), include_internal=dict(type='bool', default=False))
    client = AnsibleKafkaModule(options, failure='Cannot describe the topics', regex_options=['pattern'], mutually_exclusive=[('names', 'pattern')])
    client.run(TopicReader)


if __name__ == '__main__':
    main()
