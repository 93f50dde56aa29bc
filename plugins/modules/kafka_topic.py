#!/usr/bin/python
# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_topic
short_description: Declare Kafka topics, one or many, and reconcile the cluster with them
version_added: 0.1.0
description:
  - Creates, updates and deletes Kafka topics so that they match the request (partition count,
    replication factor and topic configuration).
  - One topic (O(name)) or many (O(topics)) per task; many topics use one connection and one
    batched request per kind of change, so a thousand topics take about as long as a few.
  - The whole request is validated before anything changes, locally (names, counts, value types,
    config keys the broker knows) and then by the broker itself through C(validate_only) requests.
    When one topic of a list is invalid, no topic is changed.
  - Partitions can only be added; a decrease is refused. The replication factor is changed in place
    by a partition reassignment, balanced over the live brokers, and the task waits for it to finish.
  - Config values are compared the way Kafka means them, so V(604800000) and V("604800000"), or V(true)
    and V("true"), are the same, and a listed value equal to the broker default is no drift.
  - Changes use incremental config updates, so keys that are not listed are never reset by accident.
  - Internal topics are never changed, deleted or pruned; a request that would change one is refused.
    They are Kafka's own (names starting with C(__), and those the broker marks internal), Confluent's
    (C(_confluent*), C(_schemas)), and those that frameworks create for themselves, known by the suffix they
    give them; Kafka Connect's worker storage topics (C(-configs), C(-offsets), C(-status), as in its defaults
    C(connect-configs), C(connect-offsets), C(connect-status)), MirrorMaker 2's (C(.internal)) and Kafka
    Streams' (C(-changelog), C(-repartition)). A topic of one's own named like that is protected too.
    A missing internal topic may be created (Kafka Connect's documentation asks for its topics to be created beforehand).
  - On a compacted topic (C(cleanup.policy) with C(compact)), changes that would delete records compaction keeps
    are refused unless O(allow_compaction_change=true); a C(cleanup.policy) without C(compact) or with C(delete) added,
    and any change or reset of C(retention.ms), C(retention.bytes) or C(delete.retention.ms).
  - With a broker down, nothing that needs no change fails, and new replicas go to live brokers only. A partition
    with a replica on the offline broker may shrink (that replica goes first), but grows only once the broker is back;
    that, a partition without a leader and too few live brokers are refused before any change.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
attributes:
  check_mode:
    support: full
    details:
      - Predicts exactly what would change, after the same validation and broker dry runs as a real run.
  diff_mode:
    support: full
    details:
      - Shows the before and after state (partitions, replication factor, config) of each changed topic.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the one topic to manage. Mutually exclusive with O(topics).
      - Legal names have up to 249 ASCII letters, digits, V(.), V(_) and V(-).
        Kafka refuses names that differ from an existing one only by V(.) versus V(_).
    type: str
  partitions:
    description:
      - Number of partitions of O(name). When the topic exists it can only grow.
      - When omitted, a new topic gets the broker's C(num.partitions) and an existing one keeps its count.
    type: int
  replication_factor:
    description:
      - Number of replicas of each partition of O(name); at most the number of live brokers.
      - When omitted, a new topic gets the broker's C(default.replication.factor) and an existing one keeps its own.
    type: int
  config:
    description:
      - Topic configuration of O(name), for example C(retention.ms) or C(cleanup.policy).
      - Values may be strings, numbers, booleans or lists (joined with commas).
    type: dict
  state:
    description:
      - V(present) creates or updates the topics, V(absent) deletes them.
      - In O(topics), the default state of items that do not set their own.
    type: str
    choices: [present, absent]
    default: present
  topics:
    description:
      - Many topics at once. Mutually exclusive with O(name), O(partitions), O(replication_factor) and O(config).
    type: list
    elements: dict
    suboptions:
      name:
        description: Topic name, as O(name).
        type: str
        required: true
      partitions:
        description: As O(partitions).
        type: int
      replication_factor:
        description: As O(replication_factor).
        type: int
      config:
        description: As O(config).
        type: dict
      state:
        description: As O(state); defaults to O(state).
        type: str
        choices: [present, absent]
  config_mode:
    description:
      - V(merge) manages only the config keys listed; other keys set on the topic stay as they are.
      - V(replace) also resets the keys set on the topic but not listed to the broker default.
    type: str
    choices: [merge, replace]
    default: merge
  prune:
    description:
      - Delete the existing topics that match O(prune_pattern) and are not listed.
      - Internal topics are never pruned.
      - Refused when the task lists no topic to keep (with O(state=present)), as it would delete every matching topic.
      - Right before the first change, the topics to delete are read again from the broker; the run is refused,
        nothing changed, unless each is still the topic that was planned (same topic id) and not internal.
        The deletion names the topic ids, so a topic created again under the same name is never deleted.
    type: bool
    default: false
  prune_pattern:
    description:
      - Python regular expression that must match a whole topic name for O(prune) to delete it,
        for example V(orders\\..*). Required when O(prune=true).
    type: str
  prune_limit:
    description:
      - Most topics one run may prune. When more would go, the whole run is refused and nothing changes
        (a pattern that matches more than meant is caught before it deletes anything).
      - Topics listed with O(state=absent) are not counted; each of them is named in the task.
    type: int
    default: 10
  allow_compaction_change:
    description:
      - Allow the changes to compacted topics that delete records compaction keeps (see the description).
      - Applies to every topic of the task.
    type: bool
    default: false
  reassignment_timeout:
    description:
      - Seconds to wait for the partition reassignment that changes a replication factor.
      - When it does not finish in time the task fails; the reassignment continues in the background.
    type: int
    default: 300
notes:
  - A topic listed with a config value equal to the value it already has through a broker default is
    left unchanged; the value is not pinned on the topic.
  - The replication factor of a topic is the replica count of its partition 0, as C(kafka-topics.sh) shows it.
seealso:
  - module: eda.platform.kafka_topic_info
  - module: eda.platform.kafka_consumer_group_info
'''

EXAMPLES = r'''
- name: One topic
  eda.platform.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: orders
    partitions: 6
    replication_factor: 3
    config:
      retention.ms: 604800000
      cleanup.policy: [compact, delete]

- name: Many topics in one task, deleting unlisted ones of the same family
  eda.platform.kafka_topic:
    bootstrap_servers: [kafka1:9092, kafka2:9092]
    topics:
      - name: app.orders
        partitions: 12
        config: {min.insync.replicas: 2}
      - name: app.payments
        partitions: 6
      - name: app.legacy
        state: absent
    prune: true
    prune_pattern: 'app\..*'
  check_mode: true

- name: Config set on the topic is exactly the one listed (other keys back to broker defaults)
  eda.platform.kafka_topic:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ kafka_admin_password }}"
    ssl_cafile: /etc/kafka/ca.pem
    name: audit
    config_mode: replace
    config:
      retention.ms: -1

- name: Delete a topic
  eda.platform.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: scratch
    state: absent

- name: A compacted topic that becomes a time-limited log, on purpose
  eda.platform.kafka_topic:
    bootstrap_servers: kafka1:9092
    name: customer-snapshots
    config:
      cleanup.policy: delete
      retention.ms: 2592000000
    allow_compaction_change: true

- name: Retire up to 50 topics of a family in one run
  eda.platform.kafka_topic:
    bootstrap_servers: kafka1:9092
    topics: "{{ app_topics }}"
    prune: true
    prune_pattern: 'app\..*'
    prune_limit: 50
'''

RETURN = r'''
topics:
  description: One entry per listed topic, then one per pruned topic, in that order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Topic name.
      type: str
      sample: orders
    action:
      description: What was done (or would be done in check mode).
      type: str
      choices: [create, update, delete, prune, none]
      sample: update
    changed:
      description: Whether the topic changed.
      type: bool
      sample: true
    changes:
      description: One line per change.
      type: list
      elements: str
      sample: ["partitions: 3 -> 6", "config retention.ms: 604800000 -> 86400000"]
    before:
      description:
        - State before the task, or V(null) when the topic did not exist.
        - C(config) holds the keys set on the topic plus the listed keys, with their effective values.
      returned: when the topic changed
      type: dict
      sample: {"partitions": 3, "replication_factor": 1, "config": {"retention.ms": "604800000"}}
    after:
      description:
        - State after the task (predicted in check mode), or V(null) when the topic is gone.
        - The task waits until the cluster metadata shows this state.
      returned: when the topic changed
      type: dict
      sample: {"partitions": 6, "replication_factor": 3, "config": {"retention.ms": "86400000"}}
diff:
  description: Before and after state of the changed topics, keyed by topic name (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"orders": {"partitions": 3}}, "after": {"orders": {"partitions": 6}}}
'''

import time

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin, kafka_topics
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule, ModuleFailure

STATES = ['present', 'absent']
STALE_METADATA_POLL_SECONDS = 0.5


def argument_spec():
    return dict(
        name=dict(type='str'),
        partitions=dict(type='int'),
        replication_factor=dict(type='int'),
        config=dict(type='dict'),
        state=dict(type='str', default='present', choices=STATES),
        topics=dict(type='list', elements='dict', options=dict(
            name=dict(type='str', required=True),
            partitions=dict(type='int'),
            replication_factor=dict(type='int'),
            config=dict(type='dict'),
            state=dict(type='str', choices=STATES),
        )),
        config_mode=dict(type='str', default='merge', choices=['merge', 'replace']),
        prune=dict(type='bool', default=False),
        prune_pattern=dict(type='str'),
        prune_limit=dict(type='int', default=10),
        allow_compaction_change=dict(type='bool', default=False),
        reassignment_timeout=dict(type='int', default=300),
    )


def refuse(errors):
    if errors:
        raise ModuleFailure('Nothing changed, the request is invalid: %s' % '; '.join(errors), errors=errors)


class TopicManager(object):
    """The whole request validated locally (here), then against the cluster and by the broker's
    dry runs, then applied unless in check mode: check mode predicts exactly."""

    def __init__(self, client):
        self.client = client
        self.params = client.params
        self.topics = kafka_topics.desired_topics(self.params)
        errors = kafka_topics.request_errors(self.topics)
        if self.params['prune']:
            errors.extend(kafka_topics.prune_errors(self.topics, self.params['prune_limit']))
        refuse(errors)

    def run(self, admin):
        plans = self.plan(admin)
        if not self.client.check_mode:
            stale = kafka_admin.deletion_errors(admin, plans)
            if stale:
                raise ModuleFailure('Nothing changed, the topics to delete changed since they were read: %s; run the task again'
                                    % '; '.join(stale), errors=stale)
            try:
                kafka_admin.apply(admin, plans, self.params['request_timeout'] * 1000, self.params['reassignment_timeout'])
            except kafka_admin.ApplyError as exc:
                raise ModuleFailure('%s (already changed: %s)' % (exc, ', '.join(exc.done) or 'nothing'),
                                    changed=bool(exc.done), topics=[plan.result() for plan in plans])
        result = dict(changed=any(plan.changed for plan in plans), topics=[plan.result() for plan in plans])
        if self.client.diff:
            result['diff'] = kafka_topics.diff(plans)
        return result

    def plan(self, admin):
        """Read the cluster, plan, and have the broker validate the plan. A topic that a previous
        run created moments ago may be missing from the metadata of the broker asked; the broker
        then says it already exists: read again until the metadata shows it (bounded)."""
        params = self.params
        deadline = time.monotonic() + params['request_timeout']
        while True:
            cluster = kafka_admin.read_cluster(admin, self.topics)
            refuse(kafka_topics.cluster_errors(self.topics, cluster))
            if params['config_mode'] == 'replace':
                kafka_admin.add_fallbacks(admin, cluster, kafka_topics.reset_keys(self.topics, cluster))
            prune_pattern = params['prune_pattern'] if params['prune'] else None
            plans = kafka_topics.plan_topics(self.topics, cluster, params['config_mode'], prune_pattern)
            refuse(kafka_topics.plan_errors(plans, cluster, params['allow_compaction_change'],
                                            params['prune_limit'] if params['prune'] else None))
            try:
                refuse(kafka_admin.dry_run(admin, plans, params['request_timeout'] * 1000))
            except kafka_admin.StaleMetadata as exc:
                if time.monotonic() > deadline:
                    refuse(['%s (after %ss)' % (exc, params['request_timeout'])])
                time.sleep(STALE_METADATA_POLL_SECONDS)
                continue
            return plans


def main():
    client = AnsibleKafkaModule(
        argument_spec(), failure='Kafka request failed before any change', regex_options=['prune_pattern'],
        mutually_exclusive=[('name', 'topics'), ('topics', 'partitions'), ('topics', 'replication_factor'), ('topics', 'config')],
        required_one_of=[('name', 'topics')],
        required_if=[('prune', True, ['prune_pattern'])],
    )
    client.run(TopicManager)


if __name__ == '__main__':
    main()
