# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cluster reads and writes of the topic and consumer group modules.

Every function takes a connected KafkaAdminClient (kafka_client.admin_client) and batches:
one request per kind of operation for all topics, whatever their number.
The data shapes are those of kafka_topics.py (cluster) and kafka_groups.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time
import uuid

from ansible_collections.eda.platform.plugins.module_utils import kafka_topics
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import KafkaError, error_message
from ansible_collections.eda.platform.plugins.module_utils.kafka_groups import member_partitions

try:
    from kafka.admin import AlterConfigOp, ConfigResource, OffsetSpec
    from kafka.structs import TopicPartition
except ImportError:
    pass  # kafka_client.require_kafka() reports the missing library before any call here

POLL_SECONDS = 0.2


# Kafka's error code for a topic that exists.
TOPIC_ALREADY_EXISTS = 36


class StaleMetadata(Exception):
    """The broker asked for metadata does not list topics the controller already has: metadata
    reaches the brokers asynchronously, so a topic created moments ago may be missing from it."""

    def __init__(self, names):
        super(StaleMetadata, self).__init__('topics exist but are not in the metadata yet: %s' % ', '.join(names))
        self.names = names


class ApplyError(Exception):
    """A change the broker refused or did not finish; done lists what was applied before."""

    def __init__(self, message, done):
        super(ApplyError, self).__init__(message)
        self.done = done


def cluster_brokers(admin):
    """Live (not fenced) broker ids, the controller id and the cluster id."""
    cluster = admin.describe_cluster()
    brokers = sorted(b['broker_id'] for b in cluster['brokers'] if not b.get('is_fenced'))
    return dict(brokers=brokers, controller_id=cluster.get('controller_id'), cluster_id=cluster.get('cluster_id'))


def topic_metadata(admin, names=None):
    """Metadata of the named topics (all topics when names is None), missing ones left out."""
    topics = admin.describe_topics(names)
    return dict((t['name'], t) for t in topics if t['error_code'] == 0)


def assignments(metadata):
    return dict((name, dict((p['partition_index'], list(p['replica_nodes'])) for p in topic['partitions']))
                for name, topic in metadata.items())


def leaderless(metadata):
    """{topic: [partitions without a leader]}, for the topics that have any."""
    offline = dict((name, sorted(p['partition_index'] for p in topic['partitions'] if p['leader_id'] < 0))
                   for name, topic in metadata.items())
    return dict((name, partitions) for name, partitions in offline.items() if partitions)


def topic_ids(metadata):
    """{name: uuid.UUID}: kafka-python reads topic ids as text, and deletes by id only when given a UUID."""
    return dict((name, uuid.UUID(topic['topic_id']) if topic.get('topic_id') else None) for name, topic in metadata.items())


def _config_entry(entry):
    return dict(value=entry['value'], source=entry['config_source'], type=entry.get('config_type'))


def _fallback(entry):
    """The value a topic config takes when its topic override is deleted."""
    for synonym in entry.get('synonyms') or []:
        if synonym['source'] != kafka_topics.TOPIC_OVERRIDE:
            return synonym['value']
    return None


def topic_configs(admin, names, synonyms=False):
    """{topic: {key: {'value', 'source', 'type'[, 'default']}}}, every key the broker knows."""
    if not names:
        return {}
    resources = [ConfigResource('TOPIC', name) for name in names]
    described = admin.describe_configs(resources, include_synonyms=synonyms, config_filter='all').get('topic', {})
    configs = {}
    for name, entries in described.items():
        configs[name] = {}
        for key, entry in entries.items():
            configs[name][key] = _config_entry(entry)
            if synonyms:
                configs[name][key]['default'] = _fallback(entry)
    return configs


def broker_defaults(admin, broker_id):
    """Partitions and replication factor a topic created without them gets."""
    resource = ConfigResource('BROKER', str(broker_id), ['num.partitions', 'default.replication.factor'])
    entries = admin.describe_configs([resource], config_filter='all')['broker'][str(broker_id)]
    return dict(partitions=int(entries['num.partitions']['value']),
                replication_factor=int(entries['default.replication.factor']['value']))


def read_cluster(admin, topics):
    """The cluster as kafka_topics.plan_topics needs it, for the requested topics."""
    brokers = cluster_brokers(admin)['brokers']
    metadata = topic_metadata(admin)
    wanted = [t['name'] for t in topics if t['state'] == 'present' and t['name'] in metadata]
    # The keys the broker knows are the same for every topic: describe one when none is managed.
    described = wanted or sorted(metadata)[:1]
    configs = topic_configs(admin, described)
    schema = dict((key, entry['type']) for key, entry in next(iter(configs.values()), {}).items())
    defaults = dict(partitions=None, replication_factor=None)
    if any(t['state'] == 'present' and t['name'] not in metadata
           and (t['partitions'] is None or t['replication_factor'] is None) for t in topics):
        defaults = broker_defaults(admin, brokers[0])
    return dict(brokers=brokers, topics=assignments(metadata), offline=leaderless(metadata), ids=topic_ids(metadata),
                configs=dict((n, configs[n]) for n in wanted if n in configs), schema=schema, defaults=defaults)


def add_fallbacks(admin, cluster, reset_keys):
    """Learn what the keys that replace mode resets fall back to, for the change lines."""
    if not reset_keys:
        return
    described = topic_configs(admin, sorted(reset_keys), synonyms=True)
    for name, keys in reset_keys.items():
        for key in keys:
            cluster['configs'][name][key]['default'] = described.get(name, {}).get(key, {}).get('default')


def _create_request(plans):
    return dict((p.name, dict(num_partitions=p.create['partitions'], replication_factor=p.create['replication_factor'],
                              configs=p.create['config'])) for p in plans if p.create)


def _partitions_request(plans):
    return dict((plan.name, plan.partitions_to) for plan in plans if plan.partitions_to)


def _config_resources(plans):
    resources = []
    for plan in plans:
        if plan.config_ops and not plan.create:
            ops = dict((key, (AlterConfigOp.SET if op == 'SET' else AlterConfigOp.DELETE, value))
                       for key, (op, value) in plan.config_ops.items())
            resources.append(ConfigResource('TOPIC', plan.name, ops))
    return resources


def _topic_errors(results):
    """[(topic, message)] of the failed entries of a create/partitions/delete response."""
    errors = []
    for entry in results:
        if entry['error_code']:
            message = entry.get('error_message') or 'error code %d' % entry['error_code']
            errors.append((entry['name'], message))
    return errors


def _create_topics(admin, request, validate_only, timeout_ms):
    response = admin.create_topics(request, timeout_ms=timeout_ms, validate_only=validate_only, raise_errors=False)
    existing = sorted(entry['name'] for entry in response['topics'] if entry['error_code'] == TOPIC_ALREADY_EXISTS)
    if validate_only and existing:
        raise StaleMetadata(existing)
    return _topic_errors(response['topics'])


def _create_partitions(admin, request, validate_only, timeout_ms):
    response = admin.create_partitions(request, timeout_ms=timeout_ms, validate_only=validate_only, raise_errors=False)
    return _topic_errors(r.to_dict() for r in response.results)


def _alter_configs(admin, resources, validate_only):
    response = admin.alter_configs(resources, validate_only=validate_only, raise_on_unknown=False, incremental=True)
    return [(name, result) for name, result in sorted(response.get('topic', {}).items()) if result != 'OK']


def dry_run(admin, plans, timeout_ms):
    """What the broker would refuse, asked with validate_only requests: nothing changes.
    Raises StaleMetadata when a topic planned for creation turns out to exist."""
    errors = []
    creates = _create_request(plans)
    if creates:
        errors.extend(_create_topics(admin, creates, True, timeout_ms))
    partitions = _partitions_request(plans)
    if partitions:
        errors.extend(_create_partitions(admin, partitions, True, timeout_ms))
    resources = _config_resources(plans)
    if resources:
        errors.extend(_alter_configs(admin, resources, True))
    return ['topic %s: %s' % (name, message) for name, message in errors]


def deletion_errors(admin, plans):
    """Kafka has no validate_only for DeleteTopics, and a deletion cannot be undone: read the
    topics to delete again, from the broker rather than the plan's snapshot, and refuse unless
    each is still the very topic planned (same topic id: not deleted and re-created since) and
    neither the broker nor the name rule calls it internal. Run right before the first change;
    the deletion itself names the topic ids, so nothing else can be deleted in between."""
    targets = [plan for plan in plans if plan.action in ('delete', 'prune')]
    if not targets:
        return []
    current = topic_metadata(admin, [plan.name for plan in targets])
    ids = topic_ids(current)
    errors = []
    for plan in targets:
        topic = current.get(plan.name)
        if topic is None:
            errors.append('topic %s is already gone' % plan.name)
        elif ids[plan.name] != plan.topic_id:
            errors.append('topic %s was deleted and created again since it was read' % plan.name)
        elif topic.get('is_internal') or kafka_topics.internal_owner(plan.name):
            errors.append('topic %s is internal and is never deleted' % plan.name)
    return errors


def _check(errors, what, done):
    if errors:
        raise ApplyError('%s failed: %s' % (what, '; '.join('topic %s: %s' % e for e in errors)), done)


def apply(admin, plans, timeout_ms, reassignment_timeout):
    """Apply the plans in an order that always works: create, configure, reassign, grow,
    delete. Raises ApplyError naming the topics already changed."""
    done = []
    try:
        _apply(admin, plans, timeout_ms, reassignment_timeout, done)
    except KafkaError as exc:
        raise ApplyError(error_message(exc), done)


def _apply(admin, plans, timeout_ms, reassignment_timeout, done):
    creates = _create_request(plans)
    if creates:
        _check(_create_topics(admin, creates, False, timeout_ms), 'create topics', done)
        done.extend(creates)
    resources = _config_resources(plans)
    if resources:
        _check(_alter_configs(admin, resources, False), 'alter configs', done)
        done.extend(r.name for r in resources)
    moves = dict((TopicPartition(p.name, partition), replicas)
                 for p in plans for partition, replicas in p.reassignments.items())
    if moves:
        refused = [(tp.topic, 'partition %d: %s' % (tp.partition, error.__name__)) for tp, error in
                   admin.alter_partition_reassignments(moves, timeout_ms=timeout_ms).items() if error is not None]
        _check(refused, 'reassign partitions', done)
        done.extend(sorted(set(tp.topic for tp in moves)))
        wait_for_reassignment(admin, moves, reassignment_timeout, done)
    # After the reassignment: Kafka gives new partitions the replica count of the existing ones.
    partitions = _partitions_request(plans)
    if partitions:
        _check(_create_partitions(admin, partitions, False, timeout_ms), 'add partitions', done)
        done.extend(partitions)
    deletes = [p for p in plans if p.action in ('delete', 'prune')]
    if deletes:
        # By topic id: exactly the topics that deletion_errors checked, never one re-created since.
        response = admin.delete_topics([p.topic_id for p in deletes], timeout_ms=timeout_ms, raise_errors=False)
        names = dict((str(p.topic_id), p.name) for p in deletes)
        for entry in response['topics']:
            entry['name'] = names.get(entry.get('topic_id'), entry.get('name'))
        _check(_topic_errors(response['topics']), 'delete topics', done)
        done.extend(p.name for p in deletes)
        wait_for_deletion(admin, dict((p.name, p.topic_id) for p in deletes), timeout_ms / 1000.0, done)
    wait_until_visible(admin, plans, timeout_ms / 1000.0, done)


def wait_for_reassignment(admin, moves, timeout, done):
    """Until no moved partition is being reassigned and each has its target replicas."""
    deadline = time.monotonic() + timeout
    topics = sorted(set(tp.topic for tp in moves))
    while True:
        ongoing = admin.list_partition_reassignments(list(moves))
        current = assignments(topic_metadata(admin, topics))
        pending = [tp for tp, replicas in moves.items()
                   if tp in ongoing or sorted(current.get(tp.topic, {}).get(tp.partition, [])) != sorted(replicas)]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ApplyError('reassignment of %d partitions (%s) did not finish within %ss; it goes on in the background'
                             % (len(pending), ', '.join('%s-%d' % tp for tp in sorted(pending)[:10]), timeout), done)
        time.sleep(POLL_SECONDS)


def wait_until_visible(admin, plans, timeout, done):
    """Until the metadata and configs show every changed topic as its plan predicted, with a
    leader for each partition: brokers apply changes asynchronously, and the next task (or a
    re-run of this one) must see them."""
    changed = [plan for plan in plans if plan.changed and plan.after is not None]
    if not changed:
        return
    deadline = time.monotonic() + timeout
    while True:
        metadata = topic_metadata(admin, [plan.name for plan in changed])
        state = dict(topics=assignments(metadata), configs=topic_configs(admin, sorted(metadata)))
        pending = [plan.name for plan in changed
                   if plan.name not in metadata or not _has_leaders(metadata[plan.name])
                   or kafka_topics.topic_state(plan.name, state, plan.after['config']) != plan.after]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ApplyError('changes not visible in the cluster metadata after %ss: %s' % (timeout, ', '.join(pending)), done)
        time.sleep(POLL_SECONDS)


def _has_leaders(topic):
    return all(partition['leader_id'] >= 0 for partition in topic['partitions'])


def wait_for_deletion(admin, ids, timeout, done):
    """Deletion is asynchronous: wait until the metadata no longer lists the deleted topics,
    {name: topic_id} (a topic created again under the same name is another one), so that a
    re-run sees them gone."""
    deadline = time.monotonic() + timeout
    while True:
        current = topic_ids(topic_metadata(admin, sorted(ids)))
        left = sorted(name for name, topic_id in ids.items() if current.get(name) == topic_id)
        if not left:
            return
        if time.monotonic() > deadline:
            raise ApplyError('topics still listed %ss after deletion: %s' % (timeout, ', '.join(left)), done)
        time.sleep(POLL_SECONDS)


# Consumer groups

def read_groups(admin, wanted):
    """The groups whose id passes wanted(group_id): {group_id: (listing, description, committed)},
    the log end offsets of every partition they committed or are assigned, and the log start
    offsets of the assigned partitions a group has not committed (their lag is the whole log).
    Offsets are keyed by (topic, partition) tuples."""
    listed = dict((g['group_id'], g) for g in admin.list_groups() if wanted(g['group_id']))
    if not listed:
        return {}, {}, {}
    ids = sorted(listed)
    described = admin.describe_groups(ids)
    committed = admin.list_group_offsets(dict((group_id, None) for group_id in ids))
    partitions, uncommitted = set(), set()
    for offsets in committed.values():
        partitions.update(offsets)
    for group_id, description in described.items():
        for member in description.get('members') or []:
            assigned = set(TopicPartition(topic, partition) for topic, partition in member_partitions(member))
            partitions.update(assigned)
            done = committed.get(group_id, {})
            uncommitted.update(tp for tp in assigned if tp not in done or done[tp].offset < 0)
    # Offsets committed on a topic deleted since stay in the group; like kafka-consumer-groups.sh,
    # report them without a log end offset instead of failing the whole description.
    existing = set(admin.list_topics())
    end_offsets = _log_offsets(admin, [tp for tp in partitions if tp.topic in existing], OffsetSpec.LATEST)
    start_offsets = _log_offsets(admin, [tp for tp in uncommitted if tp.topic in existing], OffsetSpec.EARLIEST)
    groups = {}
    for group_id in ids:
        offsets = dict(((tp.topic, tp.partition), meta.offset) for tp, meta in committed.get(group_id, {}).items())
        groups[group_id] = (listed[group_id], described.get(group_id, {}), offsets)
    return groups, end_offsets, start_offsets


def _log_offsets(admin, partitions, spec):
    if not partitions:
        return {}
    offsets = admin.list_partition_offsets(dict((tp, spec) for tp in partitions))
    return dict(((tp.topic, tp.partition), value.offset) for tp, value in offsets.items())
