# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_verify's run as a manager: what it refuses, what changed means, and that every key it returns is documented."""

import pytest
import yaml

from ansible_collections.eda.platform.plugins.module_utils import kafka_client
from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_run as runner
from ansible_collections.eda.platform.plugins.modules import kafka_verify

pytest.importorskip('kafka')

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

    def delete_topics(self, names, timeout_ms):
        self.deleted.extend(names)


@pytest.fixture
def cluster(monkeypatch):
    """A one-broker cluster whose runs read back every message."""
    admin = Admin()
    monkeypatch.setattr(runner, 'advertised_brokers', lambda admin: [dict(node_id=1, host='k1', port=9092)])
    monkeypatch.setattr(runner, 'unreachable', lambda brokers, timeout: [])
    monkeypatch.setattr(runner, 'controller_id', lambda admin: 1)
    monkeypatch.setattr(runner, 'topic_partitions', lambda admin, name: 2 if name == 'orders' else None)
    monkeypatch.setattr(runner, 'create_topic', lambda admin, name, *args: admin.created.append(name))
    monkeypatch.setattr(runner, 'wait_for_partitions', lambda *args: None)

    class Consumer:
        def __init__(self, *args):
            self.count = None

        def wait_ready(self):
            pass

        def expect(self, count):
            self.count = count

        def summary(self):
            return dict(seen=list(range(self.count)), duplicates=[], corrupt=[], out_of_order=[], foreign=0,
                        latencies_ns=[1000000] * self.count, first_received_ns=2000000)

        def stop(self):
            pass

    monkeypatch.setattr(runner, 'ConsumerProcess', Consumer)
    monkeypatch.setattr(runner, 'produce', lambda client, options, *args: (set(range(options['messages'])), set(), 1000000, 0.5, None))
    return admin


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
    monkeypatch.setattr(runner, 'produce', lambda client, options, *args: (set(), set(range(options['messages'])), 1000000, 0.5, 'KafkaTimeoutError: x'))
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        run(cluster, messages=5)
    result = failure.value.result
    assert failure.value.msg.startswith('Kafka verification failed for 5 messages: 5 unacknowledged')
    assert result['changed'] is True and result['temporary_topic'] == dict(created=True, deleted=True)
    assert result['ok'] is False and result['first_produce_error'] == 'KafkaTimeoutError: x'
    assert set(result) - {'changed'} <= DOCUMENTED


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
    (dict(run_id='xyz'), 'run_id must be 32 hexadecimal characters'),
    (dict(replication_factor=0), 'replication_factor must be at least 1'),
])
def test_a_bad_request_is_refused_before_any_connection(params, message):
    with pytest.raises(kafka_client.ModuleFailure) as failure:
        runner.Verification(Client(**params))
    assert failure.value.msg.startswith('kafka_verify: ') and message in failure.value.msg
