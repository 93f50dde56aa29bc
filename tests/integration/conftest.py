# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Real brokers (session-scoped, booted in parallel) and ways to run the modules as Ansible does."""

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
import warnings

import pytest

with warnings.catch_warnings():
    # kafka-python 3.0 loads its protocol schemas with deprecated importlib.resources calls;
    # once imported here, no later import warns.
    warnings.simplefilter('ignore', DeprecationWarning)
    import kafka.admin  # noqa: F401 pylint: disable=unused-import

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource
from kafka.errors import CoordinatorNotAvailableError
from kafka.protocol.metadata import MetadataRequest
from kafka.structs import OffsetAndMetadata, TopicPartition

from tests import collection_root, versions
from tests.integration import kafka_cluster

VERSIONS = versions.KAFKA_VERSIONS
AGREEMENT_ATTEMPTS = 60
SIZES = {'single': 1, 'trio': 3}
ROOT = collection_root.importable()
MODULES = ROOT / 'ansible_collections' / 'eda' / 'platform' / 'plugins' / 'modules'


def pytest_configure(config):
    config.addinivalue_line('markers', 'each_version: run on every Kafka version the collection supports, not only the KRaft default')
    # kafka-python 3.0 loads its protocol schemas with deprecated importlib.resources calls.
    config.addinivalue_line('filterwarnings', 'ignore::DeprecationWarning:kafka.protocol.schemas.load_json')
    config.addinivalue_line('filterwarnings', 'ignore::DeprecationWarning:importlib.resources._legacy')


def pytest_generate_tests(metafunc):
    """The clusters `single` and `trio` of the KRaft default, and of every version for the tests
    marked each_version: what differs between versions is the protocol, which those cover; the
    refusals and the data-safety paths are the modules' own logic, the same on every version."""
    every = metafunc.definition.get_closest_marker('each_version') is not None
    for name in SIZES:
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, VERSIONS if every else VERSIONS[:1], indirect=True, scope='session')


@pytest.fixture(scope='session')
def lab():
    kafka_cluster.terminate_as_interrupt()
    lab = kafka_cluster.Lab()
    try:
        lab.remove_stale()
        # Every version of one broker; three brokers of the KRaft default only (no test marked
        # each_version asks for them).
        for version in VERSIONS:
            lab.start(('single', version), version, SIZES['single'])
        lab.start(('trio', VERSIONS[0]), VERSIONS[0], SIZES['trio'])
        yield lab
    finally:
        lab.remove()


@pytest.fixture(scope='session')
def single(lab, request):
    """A one-broker KRaft cluster (of each version, for the tests marked each_version)."""
    return lab.ready(('single', request.param))


@pytest.fixture(scope='session')
def trio(lab, request):
    """A three-broker KRaft cluster of the KRaft default version."""
    return lab.ready(('trio', request.param))


@pytest.fixture
def prefix():
    """A topic/group name prefix of its own for each test, so tests share clusters safely."""
    return 't%s' % uuid.uuid4().hex[:6]


def run_module(name, args, check=False, diff=True, python_path=()):
    """Run a module file the way Ansible runs it on a host: the JSON arguments with the
    internal check/diff flags, the collection importable as ansible_collections.eda.platform."""
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(path) for path in python_path] + [str(ROOT)]))
    process = subprocess.run([sys.executable, str(MODULES / ('%s.py' % name))], input=json.dumps({'ANSIBLE_MODULE_ARGS': payload}),
                             capture_output=True, text=True, env=env, timeout=600, check=False)
    try:
        result = json.loads(process.stdout)
    except ValueError:
        raise AssertionError('module %s printed no JSON (rc %d):\n%s\n%s' % (name, process.returncode, process.stdout, process.stderr))
    result.pop('invocation', None)
    result['rc'] = process.returncode
    return result


@pytest.fixture
def module():
    return run_module


def run_playbook(path, extra_vars, *options):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT), ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(path), '-e', json.dumps(extra_vars), *options]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, check=False)


def cluster_state(cluster, brokers=None):
    """Every topic with its replica lists and topic-level config, read with kafka-python
    directly (not with the modules under test), once every broker (or those named, when one
    is down) reports the same topics."""
    with contextlib.closing(cluster.admin()) as admin:
        topics = agreed_topics(admin, brokers or range(1, cluster.size + 1))
        described = admin.describe_configs([ConfigResource('TOPIC', name) for name in topics], config_filter='all')
    configs = dict((name, dict((key, entry['value']) for key, entry in entries.items()
                               if entry['config_source'] == 'DYNAMIC_TOPIC_CONFIG'))
                   for name, entries in described.get('topic', {}).items())
    return dict((name, dict(partitions=topics[name], config=configs.get(name, {}))) for name in topics)


def agreed_topics(admin, brokers):
    """{topic: {partition: replicas}} once all brokers report the same: each broker applies
    the metadata log on its own, and a loaded machine can make one lag for a moment."""
    request = MetadataRequest(topics=None, allow_auto_topic_creation=False)
    for attempt in range(AGREEMENT_ATTEMPTS):
        views = []
        for broker in brokers:
            # kafka-python has no public call for the metadata of one given broker.
            response = admin._manager.run(admin._manager.send, request, broker)  # pylint: disable=protected-access
            views.append(dict((t.name, dict((p.partition_index, list(p.replica_nodes)) for p in t.partitions))
                              for t in response.topics if t.error_code == 0))
        if all(view == views[0] for view in views):
            return views[0]
        time.sleep(0.5)
    raise AssertionError('brokers disagree on the topics after %d reads: %s' % (AGREEMENT_ATTEMPTS, views))


def records(cluster, topic):
    """{partition: [(key, value), ...]}, every record of the topic read back from the start."""
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap, enable_auto_commit=False, consumer_timeout_ms=2000)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        read = dict((tp.partition, []) for tp in partitions)
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, 'records of %s not read back within 60s' % topic
            for tp, batch in consumer.poll(timeout_ms=500).items():
                read[tp.partition].extend((record.key, record.value) for record in batch)
        return read
    finally:
        consumer.close()


def produce(cluster, topic, count, partitions=1, key=None):
    """count keyed records per partition, acknowledged by all in-sync replicas."""
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks='all')
    try:
        for partition in range(partitions):
            for number in range(count):
                record_key = (key or 'key-%d') % number
                producer.send(topic, key=record_key.encode(), value=b'value %d of %d' % (number, partition), partition=partition)
        producer.flush(60)
    finally:
        producer.close()


def group_offsets(cluster, group):
    """{(topic, partition): committed offset} of a consumer group."""
    with contextlib.closing(cluster.admin()) as admin:
        offsets = admin.list_group_offsets(group)[group]
    return dict(((tp.topic, tp.partition), meta.offset) for tp, meta in offsets.items())


def snapshot(cluster, topics=(), groups=(), brokers=None):
    """What a refused or harmless run must leave exactly as it was: every topic with its configs
    and replica lists, every record of the named topics, the committed offsets of the named groups."""
    return dict(state=cluster_state(cluster, brokers), records=dict((topic, records(cluster, topic)) for topic in topics),
                offsets=dict((group, group_offsets(cluster, group)) for group in groups))


def ensure_offsets_topic(cluster):
    """Commit one offset so that __consumer_offsets exists (Kafka creates it on first use)."""
    with contextlib.closing(cluster.admin()) as admin:
        if '__consumer_offsets' in admin.list_topics():
            return
        name = 'edatest-offsets-%s' % uuid.uuid4().hex[:6]
        admin.create_topics({name: dict(num_partitions=1, replication_factor=1)}, wait_for_metadata=True)
        # The first request for a group creates __consumer_offsets; the coordinator is not
        # available until it exists.
        for attempt in range(60):
            try:
                admin.alter_group_offsets('edatest-init', {TopicPartition(name, 0): OffsetAndMetadata(0, '', -1)})
                break
            except CoordinatorNotAvailableError:
                time.sleep(1)
        admin.delete_topics([name])
        admin.wait_for_topics(['__consumer_offsets'], timeout_ms=60000)


def connection(cluster):
    return dict(bootstrap_servers=cluster.bootstrap, connect_timeout=20)
