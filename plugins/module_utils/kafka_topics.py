# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of kafka_topic: validation, config comparison, planning and diff.

Nothing here talks to Kafka. The cluster is described by plain data:

cluster = {
    'brokers': [1, 2, 3],                        # live broker ids
    'topics': {name: {0: [1, 2], 1: [2, 3]}},    # partition -> replica ids (leader first)
    'offline': {name: [1]},                      # partitions without a leader
    'ids': {name: topic_id},                     # what a deletion names, so that a topic
                                                 # re-created under the same name is spared
    'configs': {name: {key: {'value': '604800000', 'source': 'DEFAULT_CONFIG',
                             'type': 'LONG', 'default': '604800000'}}},
    'schema': {key: type},                       # topic config keys the broker knows
    'defaults': {'partitions': 1, 'replication_factor': 1},  # broker defaults for new topics
}

'default' (what a key falls back to when its topic override is deleted, when the broker
tells) only serves the change lines of the keys that config_mode=replace resets.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re

NAME_MAX_LENGTH = 249
LEGAL_NAME = re.compile(r'^[a-zA-Z0-9._-]+$')
TOPIC_OVERRIDE = 'DYNAMIC_TOPIC_CONFIG'
INTEGER_TYPES = ('INT', 'SHORT', 'LONG')

# Topics that belong to Kafka or to a framework running on it, and their owner. kafka_topic
# never changes, deletes or prunes them; it may create one that is missing (Connect's
# documentation asks operators to create its topics beforehand). Kafka's own topics (and
# Confluent's) are known by prefix; kafka_topic_info hides these. The frameworks name the
# topics they create for themselves with fixed suffixes: Kafka Connect's worker storage topics
# (its defaults connect-configs, connect-offsets and connect-status, and the <group>-configs,
# -offsets and -status names of Strimzi and Confluent), MirrorMaker 2's (mm2-offsets.<source>.internal,
# <source>.checkpoints.internal, ...) and Kafka Streams' (<application.id>-<name>-changelog
# and -repartition). A topic of one's own with such a suffix is protected too: the safe mistake.
INTERNAL_PREFIXES = (('__', 'Kafka'), ('_confluent', 'Confluent Platform'), ('_schemas', 'Schema Registry'))
FRAMEWORK_SUFFIXES = (('-configs', 'Kafka Connect'), ('-offsets', 'Kafka Connect'), ('-status', 'Kafka Connect'),
                      ('.internal', 'MirrorMaker 2'), ('-changelog', 'Kafka Streams'), ('-repartition', 'Kafka Streams'))

# On a compacted topic these decide how long records that compaction keeps (and tombstones) stay.
RETENTION_KEYS = ('retention.ms', 'retention.bytes', 'delete.retention.ms')


class TopicPlan(object):
    """What happens to one topic: the action, the before/after state and the requests."""

    def __init__(self, name, action, before, after):
        self.name = name
        self.action = action            # create, update, delete, prune or none
        self.before = before            # None when the topic does not exist
        self.after = after              # None when the topic will not exist
        self.changes = []               # human-readable, one line per change
        self.create = None              # {'partitions', 'replication_factor', 'config'}
        self.partitions_to = None       # new total partition count (added after any reassignment)
        self.reassignments = {}         # partition -> new replica list
        self.config_ops = {}            # key -> ('SET', text) or ('DELETE', None)
        self.topic_id = None            # of a topic to delete, as read when planning

    @property
    def changed(self):
        return self.action != 'none'

    def result(self):
        # The state of unchanged topics is left out: with a thousand topics it would make most
        # of the output (kafka_topic_info reports it).
        result = dict(name=self.name, action=self.action, changed=self.changed, changes=self.changes)
        if self.changed:
            result.update(before=self.before, after=self.after)
        return result


def is_internal(name):
    """Kafka's own topics (and Confluent's), by prefix."""
    return name.startswith(tuple(prefix for prefix, owner in INTERNAL_PREFIXES))


def internal_owner(name):
    """'internal to <owner> (<why>)' for a topic kafka_topic never changes, deletes or prunes, else None."""
    for prefix, owner in INTERNAL_PREFIXES:
        if name.startswith(prefix):
            return 'internal to %s' % owner if owner == 'Kafka' else 'internal to %s (its name starts with %s)' % (owner, prefix)
    for suffix, owner in FRAMEWORK_SUFFIXES:
        if name.endswith(suffix):
            return 'internal to %s (its name ends in %s)' % (owner, suffix)
    return None


def collision_key(name):
    # Kafka metric names replace '.' with '_', so 'a.b' and 'a_b' cannot coexist.
    return name.replace('.', '_')


def name_errors(name):
    if not name:
        return ['topic name must not be empty']
    errors = []
    if name in ('.', '..'):
        errors.append("topic name %r is not allowed" % name)
    if len(name) > NAME_MAX_LENGTH:
        errors.append('topic name %r is %d characters long, the maximum is %d' % (name[:40] + '...', len(name), NAME_MAX_LENGTH))
    if not LEGAL_NAME.match(name):
        errors.append("topic name %r may only contain ASCII letters, digits, '.', '_' and '-'" % name)
    return errors


def config_text(value):
    """The string Kafka stores for a value written in YAML (true -> 'true', [a, b] -> 'a,b')."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(config_text(item) for item in value)
    return str(value)


def _list_items(text):
    return [item.strip() for item in text.split(',') if item.strip()]


def same_value(desired, current, config_type):
    """True when two config strings mean the same to Kafka ('604800000' == ' 604800000')."""
    if current is None:
        return False
    try:
        if config_type in INTEGER_TYPES:
            return int(desired.strip()) == int(current.strip())
        if config_type == 'DOUBLE':
            return float(desired.strip()) == float(current.strip())
        if config_type == 'BOOLEAN':
            return desired.strip().lower() == current.strip().lower()
        if config_type == 'LIST':
            return _list_items(desired) == _list_items(current)
    except ValueError:
        return False
    return desired == current


def value_error(key, value, config_type):
    """Why a YAML value cannot be a value of this config type, or None."""
    if value is None or isinstance(value, dict):
        return 'config %s: a value must be a string, number, boolean or list, got %r' % (key, value)
    if isinstance(value, (list, tuple)) and config_type not in (None, 'LIST'):
        return 'config %s: %s value expected, got a list' % (key, config_type)
    text = config_text(value).strip()
    if config_type in INTEGER_TYPES:
        if isinstance(value, bool) or not re.match(r'^-?\d+$', text):
            return 'config %s: %s value expected, got %r' % (key, config_type, value)
    elif config_type == 'DOUBLE':
        try:
            float(text)
        except ValueError:
            return 'config %s: DOUBLE value expected, got %r' % (key, value)
    elif config_type == 'BOOLEAN' and text.lower() not in ('true', 'false'):
        return 'config %s: BOOLEAN value expected (true or false), got %r' % (key, value)
    return None


def unknown_key_error(key, schema):
    hint = difflib.get_close_matches(key, list(schema), n=1)
    return 'config %s: unknown topic config key%s' % (key, ' (did you mean %s?)' % hint[0] if hint else '')


def desired_topics(params):
    """The request as a list of topic dicts, whether it came as one topic or as a list."""
    if params.get('topics') is None:
        items = [dict((key, params.get(key)) for key in ('name', 'partitions', 'replication_factor', 'config', 'state'))]
    else:
        items = params['topics']
    topics = []
    for item in items:
        topics.append(dict(
            name=item['name'],
            state=item.get('state') or params['state'],
            partitions=item.get('partitions'),
            replication_factor=item.get('replication_factor'),
            config=item.get('config') or {},
        ))
    return topics


def request_errors(topics):
    """Errors found in the request alone, before the cluster is contacted."""
    errors = []
    seen = {}
    for topic in topics:
        name = topic['name']
        errors.extend(name_errors(name))
        if name in seen:
            errors.append('topic %s is listed more than once' % name)
        seen[name] = True
        for field in ('partitions', 'replication_factor'):
            if topic[field] is not None and topic[field] < 1:
                errors.append('topic %s: %s must be at least 1, got %d' % (name, field, topic[field]))
        if topic['state'] == 'absent' and internal_owner(name):
            errors.append('topic %s is %s and is never deleted' % (name, internal_owner(name)))
        for key, value in sorted(topic['config'].items()):
            error = value_error(key, value, None)
            if error:
                errors.append('topic %s: %s' % (name, error))
    errors.extend(_collisions([t['name'] for t in topics if t['state'] == 'present'], []))
    return errors


def prune_errors(topics, prune_limit):
    """Why a prune cannot run, found in the request alone."""
    errors = []
    if not any(topic['state'] == 'present' for topic in topics):
        errors.append('prune needs the topics to keep, and the task lists none (state present): every topic matching '
                      'prune_pattern would be deleted; list the topics to keep in topics')
    if prune_limit < 1:
        errors.append('prune_limit must be at least 1, got %d' % prune_limit)
    return errors


def _collisions(names, existing):
    errors = []
    owner = {}
    for name in existing:
        owner.setdefault(collision_key(name), name)
    for name in names:
        other = owner.get(collision_key(name))
        if other is not None and other != name:
            errors.append("topic %s collides with topic %s: Kafka treats '.' and '_' alike in topic names" % (name, other))
        owner.setdefault(collision_key(name), name)
    return errors


def cluster_errors(topics, cluster):
    """Errors that need the cluster state: collisions with existing topics, decreases,
    replication factors above the broker count, unknown keys and mistyped values."""
    errors = []
    existing = cluster['topics']
    present = [t for t in topics if t['state'] == 'present']
    new_names = [t['name'] for t in present if t['name'] not in existing]
    errors.extend(_collisions(new_names, list(existing)))
    for topic in present:
        name = topic['name']
        partitions = existing.get(name)
        if partitions is not None and topic['partitions'] is not None and topic['partitions'] < len(partitions):
            errors.append('topic %s: partitions cannot decrease from %d to %d; Kafka can only add partitions'
                          % (name, len(partitions), topic['partitions']))
        if partitions is None:
            replication = topic['replication_factor'] or cluster['defaults']['replication_factor']
            if replication > len(cluster['brokers']):
                errors.append(_too_few_brokers(name, replication, cluster))
        elif topic['replication_factor'] is not None:
            errors.extend(_replication_errors(name, topic['replication_factor'], partitions, cluster))
        schema = cluster['schema']
        for key, value in sorted(topic['config'].items()):
            if schema and key not in schema:
                errors.append('topic %s: %s' % (name, unknown_key_error(key, schema)))
                continue
            error = value_error(key, value, schema.get(key))
            if error:
                errors.append('topic %s: %s' % (name, error))
    return errors


def offline_brokers(cluster):
    """Brokers that hold replicas but are not live: stopped, or fenced by the controller."""
    held = set(broker for assignment in cluster['topics'].values() for replicas in assignment.values() for broker in replicas)
    return sorted(held - set(cluster['brokers']))


def _too_few_brokers(name, replication, cluster):
    error = 'topic %s: replication factor %d needs %d brokers, the cluster has %d' % (name, replication, replication, len(cluster['brokers']))
    offline = offline_brokers(cluster)
    if offline:
        error += ' live (offline: %s); start the offline brokers again or ask for fewer replicas' % _numbers(offline)
    return error


def _replication_errors(name, replication, assignment, cluster):
    """A replication factor change is safe when every partition that changes has a leader to
    copy from and, when it grows, no replica on an offline broker (Kafka 3.9 finishes such a
    reassignment only once that broker is back in sync) and enough live brokers without a
    replica of it to take the new ones. Nothing to change is no error, whichever broker is down."""
    changing = [partition for partition in sorted(assignment) if len(assignment[partition]) != replication]
    live = set(cluster['brokers'])
    errors = []
    leaderless = [partition for partition in changing if partition in cluster['offline'].get(name, ())]
    if leaderless:
        errors.append('topic %s: partitions %s have no leader (every in-sync replica is on an offline broker); '
                      'the replication factor can change once they are online again' % (name, _numbers(leaderless)))
    waiting = [p for p in changing if p not in leaderless and len(assignment[p]) < replication and set(assignment[p]) - live]
    if waiting:
        offline = sorted(set(broker for p in waiting for broker in assignment[p]) - live)
        errors.append('topic %s: partitions %s have a replica on offline broker %s, and a reassignment that adds replicas '
                      'to them would not finish before it is back; start it again first' % (name, _numbers(waiting), _numbers(offline)))
    if any(replication - len(assignment[p]) > len(live - set(assignment[p])) for p in changing):
        errors.append(_too_few_brokers(name, replication, cluster))
    return errors


def _numbers(numbers):
    return ', '.join(str(number) for number in numbers)


def _replication_factor(assignment):
    # Like kafka-topics.sh: the replica count of partition 0.
    return len(assignment[min(assignment)]) if assignment else 0


def topic_state(name, cluster, keys):
    """The before/after state shown to the user: counts, plus the config keys that are set
    on the topic or that the request manages (with their effective values)."""
    assignment = cluster['topics'][name]
    configs = cluster['configs'].get(name, {})
    shown = {}
    for key, entry in configs.items():
        if entry['source'] == TOPIC_OVERRIDE or key in keys:
            shown[key] = entry['value']
    return dict(partitions=len(assignment), replication_factor=_replication_factor(assignment), config=shown)


def broker_load(brokers, assignments):
    """Replica count per broker over the given {partition: replicas} maps."""
    load = dict((broker, 0) for broker in brokers)
    for assignment in assignments:
        for replicas in assignment.values():
            for broker in replicas:
                if broker in load:
                    load[broker] += 1
    return load


def place_replicas(current, brokers, replication, topic_load, cluster_load):
    """A replica list of the given size that keeps the current replicas in order (the first
    is the preferred leader), adds the least loaded live brokers and drops the most loaded
    followers. Load is counted in this topic first, then in the whole cluster, so that each
    topic is spread evenly and ties go to the emptier brokers. Updates both loads.

    A replica on an offline broker (not in brokers) is dropped first when the count shrinks:
    the live replicas are the ones in sync. (cluster_errors refuses to grow a partition that has one.)"""
    def load(broker):
        return (topic_load[broker], cluster_load[broker], broker)

    replicas = list(current)
    while len(replicas) > replication:
        offline = [broker for broker in replicas if broker not in brokers]
        if offline:
            replicas.remove(offline[-1])
            continue
        drop = max(replicas[1:], key=load)
        replicas.remove(drop)
        topic_load[drop] -= 1
        cluster_load[drop] -= 1
    while len(replicas) < replication:
        add = min([broker for broker in brokers if broker not in replicas], key=load)
        replicas.append(add)
        topic_load[add] += 1
        cluster_load[add] += 1
    return replicas


def _movable(current, replicas, brokers):
    """For one reassigned partition: the replicas that could give way (never the leader nor
    a replica that was already there when the count grows) and the live brokers that could
    take their place (the dropped replicas when the count shrinks, any other broker when it grows)."""
    if len(replicas) < len(current):
        return set(replicas[1:]), (set(current) - set(replicas)) & set(brokers)
    return set(replicas) - set(current), set(brokers) - set(replicas)


def _shift_path(start, reassigned, movable, load):
    """Swaps that move one replica from broker start to a broker holding at least two fewer,
    possibly through other brokers (A gives way to B in one partition, B to C in another...).
    Returns [(partition, from, to)] or None."""
    parents = {start: None}
    queue = [start]
    while queue:
        broker = queue.pop(0)
        if load[broker] <= load[start] - 2:
            path = []
            while parents[broker] is not None:
                partition, previous = parents[broker]
                path.append((partition, previous, broker))
                broker = previous
            return path
        for partition in sorted(reassigned):
            outgoing, incoming = movable[partition]
            if broker in outgoing:
                for other in sorted(incoming):
                    if other not in parents:
                        parents[other] = (partition, broker)
                        queue.append(other)
    return None


def balance(assignment, reassigned, brokers):
    """Even out the replica count per broker within the topic by swapping replicas of the
    reassigned partitions along shortest paths, until no broker holds two more than another
    one it can reach. A greedy placement alone can end up 5/4/3 where 4/4/4 is possible."""
    movable = dict((p, _movable(assignment[p], reassigned[p], brokers)) for p in reassigned)
    for dummy in range(len(reassigned) * len(brokers)):
        final = dict(assignment)
        final.update(reassigned)
        load = broker_load(brokers, [final])
        path = None
        for start in sorted(brokers, key=lambda b: -load[b]):
            path = _shift_path(start, reassigned, movable, load)
            if path:
                break
        if not path:
            return
        for partition, giver, taker in path:
            replicas = reassigned[partition]
            replicas[replicas.index(giver)] = taker
            outgoing, incoming = movable[partition]
            outgoing.discard(giver)
            outgoing.add(taker)
            incoming.discard(taker)
            incoming.add(giver)


def _plan_config(plan, topic, configs, schema, config_mode):
    after = dict(plan.after['config'])
    for key, value in sorted(topic['config'].items()):
        text = config_text(value)
        entry = configs.get(key)
        current = entry['value'] if entry else None
        if same_value(text, current, schema.get(key)):
            after[key] = current
            continue
        plan.config_ops[key] = ('SET', text)
        after[key] = text
        plan.changes.append('config %s: %s -> %s' % (key, current, text))
    if config_mode == 'replace':
        for key, entry in sorted(configs.items()):
            if entry['source'] == TOPIC_OVERRIDE and key not in topic['config']:
                plan.config_ops[key] = ('DELETE', None)
                after.pop(key, None)
                fallback = entry.get('default')
                plan.changes.append('config %s: %s -> broker default%s' % (key, entry['value'], ' %s' % fallback if fallback is not None else ''))
    plan.after['config'] = after


def _plan_existing(topic, cluster, config_mode, cluster_load):
    name = topic['name']
    assignment = cluster['topics'][name]
    before = topic_state(name, cluster, topic['config'])
    plan = TopicPlan(name, 'none', before, dict(before, config=dict(before['config'])))
    brokers = sorted(cluster['brokers'])
    replication = topic['replication_factor'] or before['replication_factor']
    if topic['replication_factor'] is not None:
        topic_load = broker_load(brokers, [assignment])
        for partition in sorted(assignment):
            if len(assignment[partition]) != replication:
                plan.reassignments[partition] = place_replicas(assignment[partition], brokers, replication, topic_load, cluster_load)
        balance(assignment, plan.reassignments, brokers)
        if plan.reassignments:
            plan.changes.append('replication_factor: %d -> %d (%d partitions reassigned)'
                                % (before['replication_factor'], replication, len(plan.reassignments)))
            plan.after['replication_factor'] = replication
    if topic['partitions'] is not None and topic['partitions'] > len(assignment):
        plan.partitions_to = topic['partitions']
        plan.after['partitions'] = topic['partitions']
        plan.changes.append('partitions: %d -> %d' % (len(assignment), topic['partitions']))
    _plan_config(plan, topic, cluster['configs'].get(name, {}), cluster['schema'], config_mode)
    if plan.changes:
        plan.action = 'update'
    return plan


def _plan_create(topic, cluster):
    config = dict((key, config_text(value)) for key, value in topic['config'].items())
    partitions = topic['partitions'] or cluster['defaults']['partitions']
    replication = topic['replication_factor'] or cluster['defaults']['replication_factor']
    after = dict(partitions=partitions, replication_factor=replication, config=config)
    plan = TopicPlan(topic['name'], 'create', None, after)
    plan.create = dict(partitions=partitions, replication_factor=replication, config=config)
    plan.changes.append('create with %d partitions, replication factor %d' % (partitions, replication))
    return plan


def _plan_delete(name, cluster, action):
    plan = TopicPlan(name, action, topic_state(name, cluster, {}), None)
    plan.topic_id = cluster['ids'].get(name)
    plan.changes.append('delete' if action == 'delete' else 'delete (prune: not listed)')
    return plan


def reset_keys(topics, cluster):
    """{topic: [keys]} that config_mode=replace would reset: set on the topic, not listed."""
    keys = {}
    for topic in topics:
        configs = cluster['configs'].get(topic['name'], {})
        unlisted = sorted(key for key, entry in configs.items()
                          if entry['source'] == TOPIC_OVERRIDE and key not in topic['config'])
        if topic['state'] == 'present' and unlisted:
            keys[topic['name']] = unlisted
    return keys


def prune_candidates(topics, cluster, pattern):
    listed = set(topic['name'] for topic in topics)
    return sorted(name for name in cluster['topics']
                  if name not in listed and not internal_owner(name) and re.fullmatch(pattern, name))


def plan_topics(topics, cluster, config_mode='merge', prune_pattern=None):
    """One TopicPlan per listed topic, then one per pruned topic."""
    cluster_load = broker_load(cluster['brokers'], cluster['topics'].values())
    plans = []
    for topic in topics:
        name = topic['name']
        exists = name in cluster['topics']
        if topic['state'] == 'absent':
            plans.append(_plan_delete(name, cluster, 'delete') if exists else TopicPlan(name, 'none', None, None))
        elif exists:
            plans.append(_plan_existing(topic, cluster, config_mode, cluster_load))
        else:
            plans.append(_plan_create(topic, cluster))
    if prune_pattern is not None:
        for name in prune_candidates(topics, cluster, prune_pattern):
            plans.append(_plan_delete(name, cluster, 'prune'))
    return plans


def plan_errors(plans, cluster, allow_compaction_change=False, prune_limit=None):
    """Errors that need the plan: changes to internal topics, changes that would delete what
    compaction keeps (unless allowed), and more pruned topics than prune_limit (None: no prune)."""
    errors = []
    for plan in plans:
        if plan.action == 'update' and internal_owner(plan.name):
            errors.append('topic %s is %s and is never changed (asked: %s)' % (plan.name, internal_owner(plan.name), '; '.join(plan.changes)))
        elif plan.action == 'update' and not allow_compaction_change:
            errors.extend(_compaction_errors(plan, cluster['configs'].get(plan.name, {})))
    pruned = [plan.name for plan in plans if plan.action == 'prune']
    if prune_limit is not None and len(pruned) > prune_limit:
        errors.append('prune would delete %d topics, more than prune_limit %d: %s; check prune_pattern and the listed '
                      'topics, or raise prune_limit' % (len(pruned), prune_limit, ', '.join(pruned)))
    return errors


def _compaction_errors(plan, configs):
    """On a compacted topic: a cleanup.policy without compact, or with delete added, and any
    change or reset of a retention key delete records that compaction keeps."""
    policy = configs.get('cleanup.policy', {}).get('value') or ''
    if 'compact' not in _list_items(policy):
        return []
    risky = []
    for key, (op, value) in sorted(plan.config_ops.items()):
        # A reset takes the broker default; an unknown default counts as dropping compaction.
        new = value if op == 'SET' else configs[key].get('default')
        shown = new if op == 'SET' else ' '.join(text for text in ('broker default', new) if text)
        if key == 'cleanup.policy':
            items = _list_items(new or '')
            if 'compact' not in items or ('delete' in items and 'delete' not in _list_items(policy)):
                risky.append('cleanup.policy %s -> %s' % (policy, shown))
        elif key in RETENTION_KEYS:
            risky.append('%s %s -> %s' % (key, configs.get(key, {}).get('value'), shown))
    if not risky:
        return []
    return ['topic %s is compacted (cleanup.policy %s) and %s would delete records that compaction keeps; '
            'set allow_compaction_change: true if that is intended' % (plan.name, policy, ', '.join(risky))]


def diff(plans):
    """Ansible diff: before/after keyed by topic name, changed topics only."""
    before = {}
    after = {}
    for plan in plans:
        if plan.changed:
            if plan.before is not None:
                before[plan.name] = plan.before
            if plan.after is not None:
                after[plan.name] = plan.after
    return dict(before=before, after=after)


def topic_report(metadata, configs):
    """What kafka_topic_info returns for one topic, from its metadata and described configs."""
    details = []
    for partition in sorted(metadata['partitions'], key=lambda p: p['partition_index']):
        replicas = list(partition['replica_nodes'])
        isr = list(partition['isr_nodes'])
        details.append(dict(partition=partition['partition_index'], leader=partition['leader_id'],
                            replicas=replicas, isr=isr, offline_replicas=list(partition.get('offline_replicas') or []),
                            under_replicated=len(isr) < len(replicas), offline=partition['leader_id'] < 0))
    return dict(
        name=metadata['name'],
        topic_id=str(metadata.get('topic_id')) if metadata.get('topic_id') else None,
        internal=bool(metadata.get('is_internal')) or is_internal(metadata['name']),
        partitions=len(details),
        replication_factor=len(details[0]['replicas']) if details else 0,
        partition_details=details,
        under_replicated_partitions=[d['partition'] for d in details if d['under_replicated']],
        offline_partitions=[d['partition'] for d in details if d['offline']],
        config=dict((key, entry['value']) for key, entry in configs.items() if entry['source'] == TOPIC_OVERRIDE),
    )
