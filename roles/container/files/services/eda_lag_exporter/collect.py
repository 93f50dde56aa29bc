# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""One reading of the cluster with kafka-python's admin client, batched: a handful of requests whatever the size."""

import collections

from kafka.admin import OffsetSpec
from kafka.structs import TopicPartition

# members: how many; assigned: {(topic, partition)}; committed: {(topic, partition): offset}.
Group = collections.namedtuple('Group', 'members assigned committed')
# topics: {name: [partition, ...]}; ends, starts: {(topic, partition): offset}; groups: {group_id: Group}.
Reading = collections.namedtuple('Reading', 'brokers topics ends starts groups')


def member_partitions(member):
    """(topic, partition) pairs assigned to a described member; none for non-consumer protocols."""
    assignment = member.get('member_assignment') or {}
    if not isinstance(assignment, dict):
        return []  # not the consumer protocol: the assignment is opaque bytes
    return [(item['topic'], partition) for item in assignment.get('assigned_partitions') or [] for partition in item['partitions']]


def log_offsets(admin, keys, spec):
    if not keys:
        return {}
    offsets = admin.list_partition_offsets(dict((TopicPartition(topic, partition), spec) for topic, partition in keys))
    return dict(((tp.topic, tp.partition), value.offset) for tp, value in offsets.items())


def read_groups(admin, group_wanted):
    ids = sorted(set(listing['group_id'] for listing in admin.list_groups() if group_wanted(listing['group_id'])))
    if not ids:
        return {}
    described = admin.describe_groups(ids)
    committed = admin.list_group_offsets(dict((group_id, None) for group_id in ids))
    groups = {}
    for group_id in ids:
        description = described.get(group_id) or {}
        members = [] if description.get('error') else description.get('members') or []
        groups[group_id] = Group(len(members), set(tp for member in members for tp in member_partitions(member)),
                                 dict(((tp.topic, tp.partition), meta.offset) for tp, meta in committed.get(group_id, {}).items()))
    return groups


def read_cluster(admin, group_wanted, topic_wanted):
    brokers = [broker for broker in admin.describe_cluster()['brokers'] if not broker.get('is_fenced')]
    topics = dict((topic['name'], sorted(p['partition_index'] for p in topic['partitions']))
                  for topic in admin.describe_topics() if topic['error_code'] == 0 and topic_wanted(topic['name']))
    keys = [(name, partition) for name, partitions in topics.items() for partition in partitions]
    return Reading(len(brokers), topics, log_offsets(admin, keys, OffsetSpec.LATEST), log_offsets(admin, keys, OffsetSpec.EARLIEST),
                   read_groups(admin, group_wanted))
