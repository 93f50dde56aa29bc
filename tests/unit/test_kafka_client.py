# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The shared connection options and the keyword arguments they give kafka-python."""

import json

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


# The module base: one merged spec, the option rules, the regex checks, one exit.

def run_base(capsys, args, manager_class=None, admin=None, monkeypatch=None, **options):
    """Build AnsibleKafkaModule the way a module's main() does; returns the task's JSON result."""
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=import-outside-toplevel
    if admin is not None:
        monkeypatch.setattr(kc, 'KafkaAdminClient', lambda **kwargs: admin)
    options.setdefault('failure', 'Cannot do it')
    with patch_module_args(dict(dict(bootstrap_servers=['k1:9092']), **args)):
        with pytest.raises(SystemExit):
            client = kc.AnsibleKafkaModule(dict(pattern=dict(type='str'), name=dict(type='str')), **options)
            client.run(manager_class)
    return json.loads(capsys.readouterr().out)


class FakeAdmin:
    def __init__(self):
        self.closed = False

    def close(self):
        self.closed = True


class Reader:
    def __init__(self, client):
        self.client = client

    def run(self, admin):
        return dict(changed=False, pattern=self.client.params['pattern'], check_mode=self.client.check_mode)


def test_the_base_merges_the_connection_options_and_exits_once_with_the_result(capsys, monkeypatch):
    admin = FakeAdmin()
    result = run_base(capsys, dict(pattern='a.*'), Reader, admin, monkeypatch)
    assert result['pattern'] == 'a.*' and result['check_mode'] is False and not result.get('failed')
    assert result['invocation']['module_args']['client_id'] == 'eda-platform-ansible'
    assert admin.closed, 'the admin client is always closed'


def test_the_connection_rules_are_added_to_the_module_rules(capsys):
    result = run_base(capsys, dict(name='a', pattern='b', security_protocol='SASL_SSL'), mutually_exclusive=[('name', 'pattern')])
    assert result['failed'] and 'mutually exclusive: name|pattern' in result['msg']
    result = run_base(capsys, dict(security_protocol='SASL_SSL'), required_if=[('name', 'x', ['pattern'])])
    assert 'security_protocol is SASL_SSL but all of the following are missing: sasl_mechanism' in result['msg']


def test_regex_options_are_checked_before_anything_connects(capsys):
    result = run_base(capsys, dict(pattern='(unclosed'), regex_options=['pattern', 'name'])
    assert result['failed'] and result['msg'].startswith("pattern '(unclosed' is not a valid regular expression: ")


def test_tls_files_that_cannot_be_used_are_refused_before_anything_connects(capsys, monkeypatch, tmp_path):
    tls = dict(security_protocol='SSL', ssl_cafile=str(tmp_path / 'ca.pem'), ssl_certfile=str(tmp_path))
    result = run_base(capsys, tls)
    assert result['failed'] and result['msg'] == 'ssl_cafile %s does not exist or is not a file; ssl_certfile %s does not exist or is not a file' % (
        tmp_path / 'ca.pem', tmp_path)
    # Over PLAINTEXT the TLS options are not used, so not checked.
    admin = FakeAdmin()
    result = run_base(capsys, dict(tls, security_protocol='PLAINTEXT'), Reader, admin, monkeypatch)
    assert not result.get('failed'), result.get('msg')


def test_a_missing_library_is_the_install_hint(capsys, monkeypatch):
    monkeypatch.setattr(kc, 'HAS_KAFKA', False)
    result = run_base(capsys, {})
    assert 'Failed to import the required Python library (kafka-python (3.x))' in result['msg']


def test_a_manager_failure_carries_the_result_so_far(capsys, monkeypatch):
    class Refusing:
        def __init__(self, client):
            raise kc.ModuleFailure('Nothing changed, the request is invalid: x', errors=['x'])

    class Failing(Reader):
        def run(self, admin):
            raise kc.ModuleFailure('half-way', changed=True, topics=['a'])

    result = run_base(capsys, {}, Refusing)
    assert result['failed'] and result['errors'] == ['x']
    admin = FakeAdmin()
    result = run_base(capsys, {}, Failing, admin, monkeypatch)
    assert result['failed'] and result['msg'] == 'half-way' and result['changed'] is True and result['topics'] == ['a']
    assert admin.closed


def test_every_kafka_error_is_one_clear_failure(capsys, monkeypatch):
    class Broken(Reader):
        def run(self, admin):
            raise KAFKA_CLIENT_CLASSES.errors.NodeNotReadyError('node 1')

    admin = FakeAdmin()
    result = run_base(capsys, {}, Broken, admin, monkeypatch, failure='Cannot describe the topics')
    assert result['failed'] and result['msg'] == 'Cannot describe the topics: NodeNotReadyError: node 1'
    assert admin.closed
