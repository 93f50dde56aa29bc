# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared Kafka connection for the eda.platform modules.

The whole API, for modules built on it (kafka_topic, kafka_topic_info,
kafka_consumer_group_info, kafka_verify):

connection_argument_spec()
    The connection options, documented once in the eda.platform.kafka_connection
    doc fragment. Merge them into the module's argument_spec.
CONNECTION_REQUIRED_IF
    Rules between those options; pass them to AnsibleModule(required_if=...).
client_kwargs(params)
    Keyword arguments for any kafka-python client (KafkaAdminClient, KafkaConsumer,
    KafkaProducer) built from the module parameters.
admin_client(module)
    A connected KafkaAdminClient, or module.fail_json() with one clear message
    (kafka-python missing, cluster unreachable within connect_timeout, bad credentials).
    Use it in a with statement so the connection is always closed.
require_kafka(module)
    module.fail_json() with the install hint when kafka-python cannot be imported
    (admin_client() calls it; call it yourself before building other clients).
error_message(exc)
    One line describing a kafka-python exception, for fail_json(msg=...).
KafkaError
    Base class of every kafka-python exception (Exception when the library is missing).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import logging
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    from kafka import KafkaAdminClient, errors as kafka_errors
    KafkaError = kafka_errors.KafkaError
    HAS_KAFKA = True
    KAFKA_IMPORT_ERROR = None
except ImportError:
    KafkaAdminClient = None
    KafkaError = Exception
    HAS_KAFKA = False
    KAFKA_IMPORT_ERROR = traceback.format_exc()

SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']
SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']

CONNECTION_REQUIRED_IF = [
    ('security_protocol', 'SASL_PLAINTEXT', ['sasl_mechanism', 'sasl_username', 'sasl_password']),
    ('security_protocol', 'SASL_SSL', ['sasl_mechanism', 'sasl_username', 'sasl_password']),
]


def connection_argument_spec():
    return dict(
        bootstrap_servers=dict(type='list', elements='str', required=True),
        client_id=dict(type='str', default='eda-platform-ansible'),
        connect_timeout=dict(type='int', default=10),
        request_timeout=dict(type='int', default=30),
        security_protocol=dict(type='str', default='PLAINTEXT', choices=SECURITY_PROTOCOLS),
        sasl_mechanism=dict(type='str', choices=SASL_MECHANISMS),
        sasl_username=dict(type='str'),
        sasl_password=dict(type='str', no_log=True),
        ssl_cafile=dict(type='path'),
        ssl_certfile=dict(type='path'),
        ssl_keyfile=dict(type='path'),
        ssl_password=dict(type='str', no_log=True),
        ssl_check_hostname=dict(type='bool', default=True),
    )


def client_kwargs(params):
    """Only keys that KafkaAdminClient, KafkaConsumer and KafkaProducer all accept."""
    kwargs = dict(
        bootstrap_servers=params['bootstrap_servers'],
        client_id=params['client_id'],
        bootstrap_timeout_ms=params['connect_timeout'] * 1000,
        request_timeout_ms=params['request_timeout'] * 1000,
        security_protocol=params['security_protocol'],
    )
    if params['security_protocol'].startswith('SASL_'):
        kwargs.update(
            sasl_mechanism=params['sasl_mechanism'],
            sasl_plain_username=params['sasl_username'],
            sasl_plain_password=params['sasl_password'],
        )
    if params['security_protocol'] in ('SSL', 'SASL_SSL'):
        kwargs.update(
            ssl_cafile=params['ssl_cafile'],
            ssl_certfile=params['ssl_certfile'],
            ssl_keyfile=params['ssl_keyfile'],
            ssl_password=params['ssl_password'],
            ssl_check_hostname=params['ssl_check_hostname'],
        )
    return kwargs


def require_kafka(module):
    if not HAS_KAFKA:
        module.fail_json(msg=missing_required_lib('kafka-python (3.x)'), exception=KAFKA_IMPORT_ERROR)


def error_message(exc):
    text = str(exc).strip()
    name = type(exc).__name__
    if not text:
        return name
    return text if text.startswith(name) else '%s: %s' % (name, text)


class _LastFailure(logging.Handler):
    """Keeps kafka-python's last connection failure: on an unreachable cluster or refused
    credentials the client only raises 'Unable to bootstrap', the cause is in its log."""

    def __init__(self):
        super(_LastFailure, self).__init__(logging.WARNING)
        self.reason = None

    def emit(self, record):
        # e.g. 'Bootstrap connection to bootstrap-0 failed: [Error 58] SaslAuthenticationFailedError: ...'
        message = record.getMessage()
        if ' connection to ' in message and ' failed: ' in message:
            reason = message.split(' failed: ', 1)[1]
            if self._rank(reason) >= self._rank(self.reason):
                self.reason = reason

    @staticmethod
    def _rank(reason):
        # Refused credentials or certificates say most; a timed out last attempt says least.
        if reason is None:
            return -1
        if 'Authentication' in reason or 'SSL' in reason:
            return 2
        return 0 if 'TimedOut' in reason else 1


def admin_client(module):
    require_kafka(module)
    params = module.params
    failure = _LastFailure()
    # Also keeps kafka-python's warnings off the module's stderr.
    logging.getLogger('kafka').addHandler(failure)
    try:
        return KafkaAdminClient(**client_kwargs(params))
    except Exception as exc:  # pylint: disable=broad-except
        # kafka-python raises timeouts, socket, SSL and SASL errors of many classes here;
        # all of them mean the same to the user: this cluster cannot be used as configured.
        reason = error_message(exc)
        if failure.reason:
            reason = '%s (last failure: %s)' % (reason, failure.reason)
            if 'disconnected' in failure.reason and params['security_protocol'] != 'PLAINTEXT':
                # Brokers close the connection on a protocol or credential mismatch, and the
                # client does not always read the error sent just before.
                reason += '; the broker closed the connection: check security_protocol, sasl_mechanism and the credentials'
        module.fail_json(
            msg='Cannot connect to Kafka at %s (security_protocol %s) within %ss: %s'
                % (', '.join(params['bootstrap_servers']), params['security_protocol'],
                   params['connect_timeout'], reason),
            exception=traceback.format_exc())
