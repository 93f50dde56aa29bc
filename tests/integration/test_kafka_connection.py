# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Connection options shared by the modules: SCRAM, failures, missing library, real ansible-playbook runs."""

import pytest

from tests.containers import free_port
from tests.integration.conftest import cluster_state, run_playbook
from tests.integration.kafka_cluster import SCRAM_USER

PLAYBOOK = '''
- name: The Kafka modules as a playbook runs them
  hosts: localhost
  gather_facts: false
  diff: true
  vars:
    kafka_connection: &kafka_connection
      bootstrap_servers: "{{ sasl_bootstrap }}"
      security_protocol: SASL_PLAINTEXT
      sasl_mechanism: SCRAM-SHA-512
      sasl_username: "{{ user }}"
      sasl_password: "{{ password }}"
  tasks:
    - name: Predict
      eda.platform.kafka_topic:
        <<: *kafka_connection
        name: "{{ topic }}"
        partitions: 3
        config: {retention.ms: 86400000}
      check_mode: true
      register: predicted

    - name: Nothing exists after check mode
      eda.platform.kafka_topic_info:
        <<: *kafka_connection
        names: ["{{ topic }}"]
      register: info_before

    - name: Create
      eda.platform.kafka_topic:
        <<: *kafka_connection
        name: "{{ topic }}"
        partitions: 3
        config: {retention.ms: 86400000}
      register: created

    - name: Again
      eda.platform.kafka_topic:
        <<: *kafka_connection
        name: "{{ topic }}"
        partitions: 3
        config: {retention.ms: "86400000"}
      register: again

    - name: Describe
      eda.platform.kafka_topic_info:
        <<: *kafka_connection
        names: ["{{ topic }}"]
      register: info

    - name: Groups
      eda.platform.kafka_consumer_group_info:
        <<: *kafka_connection
        pattern: "{{ topic }}-.*"
      register: group_info

    - name: Check the results
      ansible.builtin.assert:
        that:
          - predicted is changed
          - predicted.topics[0].after.partitions == 3
          - info_before.missing == [topic]
          - created is changed
          - created.topics == predicted.topics
          - again is not changed
          - info.topics[topic].partitions == 3
          - info.topics[topic].config['retention.ms'] == '86400000'
          - group_info.groups == {}
'''


@pytest.mark.each_version
@pytest.mark.parametrize('mechanism', ['SCRAM-SHA-256', 'SCRAM-SHA-512'])
def test_scram_listener(module, single, prefix, mechanism):
    sasl = dict(bootstrap_servers=single.sasl_bootstrap, security_protocol='SASL_PLAINTEXT', sasl_mechanism=mechanism,
                sasl_username=SCRAM_USER, sasl_password=single.scram_password)
    result = module('kafka_topic', dict(sasl, name='%s.sasl' % prefix, partitions=2))
    assert result['rc'] == 0 and result['changed'] is True
    assert len(cluster_state(single)['%s.sasl' % prefix]['partitions']) == 2
    info = module('kafka_topic_info', dict(sasl, names=['%s.sasl' % prefix]))
    assert info['topics']['%s.sasl' % prefix]['partitions'] == 2


def test_wrong_password_is_one_clear_error(module, single, prefix):
    before = cluster_state(single)
    result = module('kafka_topic', dict(bootstrap_servers=single.sasl_bootstrap, security_protocol='SASL_PLAINTEXT',
                                        sasl_mechanism='SCRAM-SHA-256', sasl_username=SCRAM_USER, sasl_password='not-the-password',
                                        connect_timeout=10, name='%s.never' % prefix))
    assert result['rc'] != 0
    assert result['msg'].startswith('Cannot connect to Kafka at %s (security_protocol SASL_PLAINTEXT) within 10s' % single.sasl_bootstrap[0])
    # kafka-python sometimes sees the broker's close before its error response (under load).
    assert ('SaslAuthenticationFailedError' in result['msg']
            or 'the broker closed the connection: check security_protocol, sasl_mechanism and the credentials' in result['msg'])
    assert 'not-the-password' not in str(result)
    assert cluster_state(single) == before


@pytest.mark.parametrize('name, args', [
    ('kafka_topic', dict(name='x')),
    ('kafka_topic_info', dict()),
    ('kafka_consumer_group_info', dict(max_lag=1)),
])
def test_unreachable_cluster(module, name, args):
    address = '127.0.0.1:%d' % free_port()
    result = module(name, dict(args, bootstrap_servers=[address], connect_timeout=2))
    assert result['rc'] != 0
    assert result['msg'].startswith('Cannot connect to Kafka at %s (security_protocol PLAINTEXT) within 2s: ' % address)
    assert 'Unable to bootstrap' in result['msg']


def test_missing_kafka_python(module, tmp_path):
    # A package named kafka that cannot be imported stands for a host without kafka-python.
    (tmp_path / 'kafka').mkdir()
    (tmp_path / 'kafka' / '__init__.py').write_text("raise ImportError('No module named kafka')\n")
    for name, args in (('kafka_topic', dict(name='x')), ('kafka_topic_info', {}), ('kafka_consumer_group_info', {})):
        result = module(name, dict(args, bootstrap_servers=['127.0.0.1:9']), python_path=[tmp_path])
        assert result['rc'] != 0
        assert 'Failed to import the required Python library (kafka-python (3.x))' in result['msg'], result['msg']


def test_playbook_over_scram(single, prefix, tmp_path):
    playbook = tmp_path / 'kafka.yml'
    playbook.write_text(PLAYBOOK)
    extra = dict(sasl_bootstrap=single.sasl_bootstrap, user=SCRAM_USER, password=single.scram_password, topic='%s.play' % prefix)
    process = run_playbook(playbook, extra, '-v')
    assert process.returncode == 0, process.stdout + process.stderr
    assert 'ok=7' in process.stdout and 'changed=2' in process.stdout
    assert '+++ after' in process.stdout, 'diff mode shows no diff'
    assert single.scram_password not in process.stdout
