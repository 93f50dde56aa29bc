# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""eda_common.config: what every service's configuration file goes through."""

import pytest

from eda_common import config

DEFAULTS = {'kafka': dict(config.KAFKA_CONNECTION, client_id='svc'), 'interval_s': 1}


def test_path_from_argument_or_environment(monkeypatch):
    monkeypatch.setenv('EDA_SVC_CONFIG', '/etc/svc.yml')
    assert config.path_from(None, 'EDA_SVC_CONFIG') == '/etc/svc.yml'
    assert config.path_from('/other.yml', 'EDA_SVC_CONFIG') == '/other.yml'
    monkeypatch.delenv('EDA_SVC_CONFIG')
    with pytest.raises(config.ConfigError, match='EDA_SVC_CONFIG'):
        config.path_from(None, 'EDA_SVC_CONFIG')


def test_merged_fills_defaults_and_names_unknown_keys_with_their_section():
    merged = config.merged(DEFAULTS, {'kafka': {'bootstrap_servers': 'a:9092, b:9092'}})
    assert merged['kafka']['client_id'] == 'svc' and merged['interval_s'] == 1
    with pytest.raises(config.ConfigError, match=r'unknown key\(s\) in kafka: sasl_pasword'):
        config.merged(DEFAULTS, {'kafka': {'sasl_pasword': 'x'}})
    with pytest.raises(config.ConfigError, match='kafka must be a mapping'):
        config.merged(DEFAULTS, {'kafka': ['a:9092']})


@pytest.mark.parametrize('kafka, message', [
    ({}, 'kafka.bootstrap_servers is required'),
    ({'bootstrap_servers': 'a:9092', 'security_protocol': 'TLS'}, 'security_protocol must be one of'),
    ({'bootstrap_servers': 'a:9092', 'security_protocol': 'SASL_SSL', 'sasl_mechanism': 'GSSAPI',
      'sasl_username': 'u', 'sasl_password': 'p'}, 'sasl_mechanism must be one of'),
    ({'bootstrap_servers': 'a:9092', 'security_protocol': 'SASL_PLAINTEXT', 'sasl_username': 'u'}, 'sasl_password are required'),
])
def test_kafka_connection_refusals(kafka, message):
    with pytest.raises(config.ConfigError, match=message):
        config.check_kafka_connection(config.merged(config.KAFKA_CONNECTION, kafka, 'kafka'))


def test_kafka_connection_splits_a_comma_separated_string():
    kafka = config.merged(config.KAFKA_CONNECTION, {'bootstrap_servers': 'a:9092, b:9092'}, 'kafka')
    config.check_kafka_connection(kafka)
    assert kafka['bootstrap_servers'] == ['a:9092', 'b:9092']


def test_read_json_or_yaml_by_name(tmp_path):
    (tmp_path / 'c.json').write_text('{"interval_s": 2}')
    (tmp_path / 'c.yml').write_text('interval_s: 3\n')
    assert config.read(str(tmp_path / 'c.json')) == {'interval_s': 2}
    assert config.read(str(tmp_path / 'c.yml')) == {'interval_s': 3}
