# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_verify's run as a manager: what it refuses, what changed means, and that every key it returns is documented."""

import tracemalloc

import pytest
import yaml

from ansible_collections.eda.platform.plugins.module_utils import kafka_client
from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks
from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_run as runner
from ansible_collections.eda.platform.plugins.modules import kafka_verify

pytest.importorskip('kafka')

from kafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError  # noqa: E402
from kafka.future import Future  # noqa: E402

RUN_ID = '0123456789abcdef0123456789abcdef'
DOCUMENTED = set(yaml.safe_load(kafka_verify.RETURN))


class Client:
    """What the manager uses of AnsibleKafkaModule."""

    def __init__(self, check_mode=False, **params):
        spec = dict(kafka_client.connection_argument_spec(), **kafka_verify.argument_spec())
        self.params = dict((key, option.get('default')) for key, option in spec.items())
        self.params.update(dict(dict(bootstrap_servers=['k1:9092'], run_id=RUN_ID), **params))
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, text):
        self.warnings.append(text)


class Admin:
    def __init__(self):
        self.created, self.deleted = [], []
        self.groups = []
        self.create_error = None
        self.topic_never_created = False

    def delete_topics(self, names, timeout_ms):
        if self.topic_never_created:
            raise UnknownTopicOrPartitionError()
        self.deleted.extend(names)

    def list_groups(self):
        return [dict(group_id=group_id) for group_id in self.groups]


@pytest.fixture
def cluster(monkeypatch):
    """A one-broker cluster whose runs read back every message."""
    admin = Admin()
    monkeypatch.setattr(runner, 'advertised_brokers', lambda admin: [dict(node_id=1, host='k1', port=9092)])
    monkeypatch.setattr(runner, 'unreachable', lambda brokers, timeout: [])
    monkeypatch.setattr(runner, 'controller_id', lambda admin: 1)
    monkeypatch.setattr(runner, 'topic_partitions', lambda admin, name: 2 if name == 'orders' else None)
    monkeypatch.setattr(runner, 'topic_message_limit', lambda admin, name: 1048588)
    monkeypatch.setattr(runner, 'broker_message_limit', lambda admin, broker_ids: 1048588)

    def create_topic(admin, name, *args):
        admin.created.append(name)
        if admin.create_error:
            raise admin.create_error

    monkeypatch.setattr(runner, 'create_topic', create_topic)
    monkeypatch.setattr(runner, 'wait_for_partitions', lambda *args: None)

    class Consumer:
        def __init__(self, *args):
            self.count = None

        def wait_ready(self):
            pass

        def expect(self, count):
            self.count = count

        def summary(self):
            tally = checks.Tally(bytes(16), self.count)
            for sequence in range(self.count):
                tally.seen.add(sequence)
                tally.latencies.add(1000000)
            return dict(tally.summary(), first_received_ns=2000000)

        def stop(self):
            pass

    monkeypatch.setattr(runner, 'ConsumerProcess', Consumer)
    monkeypatch.setattr(runner, 'produce', lambda client, options, *args: (acknowledged(options['messages'], options['messages']), 1000000, 0.5))
    return admin


def acknowledged(messages, count, error=None):
    acks = runner.Acknowledgements(messages)
    for sequence in range(count):
        acks.success(sequence, None)
    if error:
        acks.failure(count, error)
    return acks


def run(admin, **params):
    client = Client(**params)
    return runner.Verification(client).run(admin), client


def test_a_temporary_topic_is_the_change_and_is_reported(cluster):
    result, client = run(cluster, messages=10)
    assert result['changed'] is True and result['ok'] is True
    assert result['temporary_topic'] == dict(created=True, deleted=True)
    assert cluster.created == cluster.deleted == ['eda-verify-%s' % RUN_ID]
    assert set(result) - {'changed'} <= DOCUMENTED


def test_a_kept_temporary_topic_is_not_deleted(cluster):
    result, client = run(cluster, messages=10, keep_topic=True)
    assert result['changed'] is True and result['temporary_topic'] == dict(created=True, deleted=False)
    assert cluster.deleted == []


def test_an_existing_topic_is_no_change(cluster):
    result, client = run(cluster, messages=10, topic='orders', consume_mode='assign')
    assert result['changed'] is False and 'temporary_topic' not in result
    assert result['group_id'] is None and result['messages']['consumed'] == 10
    assert cluster.created == cluster.deleted == []
    assert set(result) - {'changed'} <= DOCUMENTED


def test_check_mode_reads_the_cluster_only(cluster):
    result, client = run(cluster, check_mode=True)
    assert result == dict(changed=False, run_id=RUN_ID, topic='eda-verify-%s' % RUN_ID, group_id='eda-verify-%s' % RUN_ID,
                          brokers=[dict(node_id=1, host='k1', port=9092)], controller_id=1)
    assert cluster.created == []


def test_check_mode_still_refuses_a_missing_topic(cluster):
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, check_mode=True, topic='nowhere')
    assert 'topic nowhere does not exist' in failure.value.msg


def test_a_failed_run_deletes_its_topic_and_reports_the_change(cluster, monkeypatch):
    monkeypatch.setattr(runner, 'produce', lambda client, options, *args: (acknowledged(5, 0, KafkaTimeoutError('x')), 1000000, 0.5))
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, messages=5)
    result = failure.value.result
    assert failure.value.msg.startswith('Kafka verification failed for 5 messages: 5 unacknowledged')
    assert result['changed'] is True and result['temporary_topic'] == dict(created=True, deleted=True)
    assert result['ok'] is False and result['first_produce_error'] == 'KafkaTimeoutError: KafkaTimeoutError: x'
    assert set(result) - {'changed'} <= DOCUMENTED


def fail_with(error):
    def phase(*args):
        raise error
    return phase


@pytest.mark.parametrize('phase, error, message', [
    ('wait_for_partitions', runner.VerifyError('partitions did not appear'), 'cannot create the verification topic'),
    ('produce', KafkaTimeoutError('metadata'), 'could not complete: KafkaTimeoutError'),
    ('ConsumerProcess.wait_ready', runner.VerifyError('the consumer could not start'), 'could not complete: VerifyError: the consumer could not start'),
], ids=['partitions-never-appear', 'producer-fails', 'consumer-fails'])
def test_every_failure_after_the_creation_deletes_the_topic(cluster, monkeypatch, phase, error, message):
    owner, name = phase.rpartition('.')[::2]
    monkeypatch.setattr(getattr(runner, owner) if owner else runner, name, fail_with(error))
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, messages=5)
    assert message in failure.value.msg
    assert cluster.deleted == ['eda-verify-%s' % RUN_ID]
    assert failure.value.result['temporary_topic'] == dict(created=True, deleted=True) and failure.value.result['changed'] is True


def test_an_unexpected_error_after_the_creation_still_deletes_the_topic(cluster, monkeypatch):
    monkeypatch.setattr(runner, 'produce', fail_with(RuntimeError('bug')))
    with pytest.raises(RuntimeError):
        run(cluster, messages=5)
    assert cluster.deleted == ['eda-verify-%s' % RUN_ID]


def test_a_failed_creation_request_removes_what_it_may_have_created(cluster):
    cluster.create_error = KafkaTimeoutError('the controller did not answer in time')
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, messages=5)
    assert 'cannot create the verification topic' in failure.value.msg
    assert cluster.deleted == ['eda-verify-%s' % RUN_ID]
    assert failure.value.result['temporary_topic'] == dict(created=True, deleted=True) and failure.value.result['changed'] is True


def test_a_failed_creation_that_created_nothing_is_no_change(cluster):
    cluster.create_error = KafkaTimeoutError('no')
    cluster.topic_never_created = True
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, messages=5)
    assert failure.value.result['temporary_topic'] == dict(created=False, deleted=False) and failure.value.result['changed'] is False


@pytest.mark.parametrize('check_mode', [False, True])
def test_an_existing_group_is_never_joined(cluster, check_mode):
    cluster.groups = ['billing']
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, group_id='billing', topic='orders', check_mode=check_mode)
    assert failure.value.msg.startswith('consumer group billing already exists: kafka_verify joins and commits only a group it creates')
    assert cluster.created == []
    # The run's own group is new; an assign-mode run uses none.
    assert run(cluster, topic='orders', messages=3)[0]['ok']
    assert run(cluster, group_id='billing', topic='orders', consume_mode='assign', messages=3)[0]['ok']


@pytest.mark.parametrize('params, message', [
    (dict(topic='orders', message_size=1048489), 'message_size 1048489 is more than topic orders accepts (its max.message.bytes is 1048588): '
                                                 'at most 1048488 bytes per message'),
    (dict(message_size=2000000), "message_size 2000000 is more than a new topic accepts (the brokers' message.max.bytes is 1048588)"),
])
def test_a_message_larger_than_the_topic_accepts_is_refused_before_anything(cluster, params, message):
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, **params)
    assert failure.value.msg.startswith(message)
    assert cluster.created == [] and 'temporary_topic' not in failure.value.result
    assert run(cluster, topic='orders', message_size=1048488, messages=2)[0]['ok']


def test_a_run_id_whose_topic_exists_is_refused(cluster, monkeypatch):
    monkeypatch.setattr(runner, 'topic_partitions', lambda admin, name: 3)
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster)
    assert failure.value.msg == 'topic eda-verify-%s already exists: a run id is used once; omit run_id or give a new one' % RUN_ID
    assert cluster.created == cluster.deleted == []


class Producer:
    """Acknowledges every record at once, as the producer's I/O thread would."""

    def __init__(self, **options):
        self.options = options

    def send(self, topic, value, key, partition):
        future = Future()
        future.success(None)
        return future

    def flush(self, timeout):
        pass

    def close(self, timeout):
        pass


@pytest.mark.parametrize('messages', [2000, 20000])
def test_the_producer_keeps_no_future_nor_message(monkeypatch, messages):
    monkeypatch.setattr(runner, 'KafkaProducer', Producer)
    params = Client(messages=messages, message_size=64).params
    tracemalloc.start()
    try:
        acks, first_send_ns, seconds = runner.produce({}, params, bytes(16), 't', 3, 1048588, 60)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(acks.acknowledged) == messages and acks.first_error is None
    assert peak < 16 * 1024 + messages // 8


def test_batches_stay_within_what_the_topic_accepts(monkeypatch):
    made = []
    monkeypatch.setattr(runner, 'KafkaProducer', lambda **options: made.append(options) or Producer())
    runner.produce({}, Client(messages=1, message_size=500000).params, bytes(16), 't', 3, 1048588, 60)
    assert made[0]['batch_size'] == made[0]['max_request_size'] == 1048588


def test_unreachable_advertised_brokers_fail_with_the_brokers(cluster, monkeypatch):
    monkeypatch.setattr(runner, 'unreachable', lambda brokers, timeout: ['k1:9092 (node 1): refused'])
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster)
    assert 'clients cannot reach these advertised brokers: k1:9092 (node 1): refused' in failure.value.msg
    assert failure.value.result['brokers'] == [dict(node_id=1, host='k1', port=9092)] and failure.value.result['changed'] is False


@pytest.mark.parametrize('params, message', [
    (dict(acks='1'), 'the idempotent producer needs acks=all'),
    (dict(message_size=10), 'message_size must be at least 40'),
    (dict(messages=0), 'messages must be at least 1'),
    (dict(messages=10 ** 7 + 1), 'messages must be at most 10000000 (got 10000001): run several verifications for more'),
    (dict(run_id='xyz'), 'run_id must be 32 hexadecimal characters'),
    (dict(replication_factor=0), 'replication_factor must be at least 1'),
])
def test_a_bad_request_is_refused_before_any_connection(params, message):
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        runner.Verification(Client(**params))
    assert failure.value.msg.startswith('kafka_verify: ') and message in failure.value.msg
