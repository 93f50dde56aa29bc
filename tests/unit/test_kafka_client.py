# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The shared connection options and the keyword arguments they give kafka-python."""

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_client as kc

KAFKA_CLIENT_CLASSES = pytest.importorskip('kafka')


def params(**overrides):
    spec = kc.connection_argument_spec()
    values = dict((key, option.get('default')) for key, option in spec.items())
    values.update(bootstrap_servers=['k1:9092', 'k2:9092'])
    values.update(overrides)
    return values


def test_secrets_are_no_log():
    spec = kc.connection_argument_spec()
    assert [key for key, option in spec.items() if option.get('no_log')] == ['sasl_password', 'ssl_password']


def test_plaintext_sends_no_credentials():
    kwargs = kc.client_kwargs(params(sasl_username='u', sasl_password='p', ssl_cafile='/ca.pem'))
    assert kwargs == dict(bootstrap_servers=['k1:9092', 'k2:9092'], client_id='eda-platform-ansible',
                          bootstrap_timeout_ms=10000, request_timeout_ms=30000, security_protocol='PLAINTEXT')


def test_sasl_ssl():
    kwargs = kc.client_kwargs(params(security_protocol='SASL_SSL', sasl_mechanism='SCRAM-SHA-512', sasl_username='u',
                                     sasl_password='p', ssl_cafile='/ca.pem', ssl_check_hostname=False, connect_timeout=3))
    assert kwargs['sasl_mechanism'] == 'SCRAM-SHA-512'
    assert (kwargs['sasl_plain_username'], kwargs['sasl_plain_password']) == ('u', 'p')
    assert (kwargs['ssl_cafile'], kwargs['ssl_check_hostname']) == ('/ca.pem', False)
    assert kwargs['bootstrap_timeout_ms'] == 3000


def test_sasl_plaintext_has_no_ssl_keys():
    kwargs = kc.client_kwargs(params(security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN', sasl_username='u', sasl_password='p'))
    assert not [key for key in kwargs if key.startswith('ssl_')]


@pytest.mark.parametrize('cls_name', ['KafkaAdminClient', 'KafkaConsumer', 'KafkaProducer'])
def test_every_client_accepts_the_kwargs(cls_name):
    cls = getattr(KAFKA_CLIENT_CLASSES, cls_name)
    kwargs = kc.client_kwargs(params(security_protocol='SASL_SSL', sasl_mechanism='PLAIN', sasl_username='u', sasl_password='p'))
    assert set(kwargs) <= set(cls.DEFAULT_CONFIG)


def test_sasl_requires_credentials():
    rules = dict((value, required) for key, value, required in kc.CONNECTION_REQUIRED_IF)
    assert rules == {'SASL_PLAINTEXT': ['sasl_mechanism', 'sasl_username', 'sasl_password'],
                     'SASL_SSL': ['sasl_mechanism', 'sasl_username', 'sasl_password']}


def test_error_message():
    class Boom(Exception):
        pass
    assert kc.error_message(Boom('went wrong')) == 'Boom: went wrong'
    assert kc.error_message(Boom('Boom: already named')) == 'Boom: already named'
    assert kc.error_message(Boom()) == 'Boom'
