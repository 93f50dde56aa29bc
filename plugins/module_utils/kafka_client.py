# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The base of every eda.platform Kafka module: connection, option rules, one clear failure.

The model is community.docker's AnsibleDockerClient. A module declares only its own
options and a manager class; its main() is wiring:

    def main():
        client = AnsibleKafkaModule(dict(name=dict(type='str')), failure='Cannot do X',
                                    regex_options=['pattern'], mutually_exclusive=[...])
        client.run(Manager)

AnsibleKafkaModule(argument_spec, failure, regex_options=(), **rules)
    The AnsibleModule of the task, with the connection options (documented once in the
    eda.platform.kafka_connection doc fragment) merged into argument_spec, the connection's
    required_if rules added to the module's rules (mutually_exclusive, required_one_of, ...),
    check mode on, every option named in regex_options compiled, the TLS files (ssl_cafile,
    ssl_certfile, ssl_keyfile) readable when the protocol uses TLS, and kafka-python required
    (missing_required_lib with the install hint). Nothing has touched the cluster yet.
.run(manager_class)
    manager_class(client) validates the request (it may raise ModuleFailure, before any
    connection); manager.run(admin) does the work with a connected KafkaAdminClient and
    returns the result. The task exits once: exit_json(result), or fail_json for a
    ModuleFailure (its message and the result so far) or for any Kafka error.
.admin()
    Context manager: a connected KafkaAdminClient, always closed; a cluster that cannot be
    reached or used as configured, and any Kafka error inside, fail the task with one message.
.params, .check_mode, .diff, .warn(text)
ModuleFailure(msg, **result)
    Raised by managers (and the module_utils they call) to fail the task.

Lower level, for clients other than the admin client and for tests:
connection_argument_spec(), CONNECTION_REQUIRED_IF, client_kwargs(params) (keyword arguments
that KafkaAdminClient, KafkaConsumer and KafkaProducer all accept), error_message(exc) (one
line for an exception) and KafkaError (base of kafka-python's exceptions; Exception when the
library is missing).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import logging
import os
import re
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

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
TLS_FILE_OPTIONS = ('ssl_cafile', 'ssl_certfile', 'ssl_keyfile')

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


class ModuleFailure(Exception):
    """Fails the task with msg and the result known so far (the one failure path of a manager)."""

    def __init__(self, msg, **result):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.result = result


class AnsibleKafkaModule(object):
    """What every Kafka module shares, from its options to its one exit (see the module docstring)."""

    def __init__(self, argument_spec, failure, regex_options=(), **rules):
        spec = connection_argument_spec()
        spec.update(argument_spec)
        rules['required_if'] = CONNECTION_REQUIRED_IF + list(rules.get('required_if') or [])
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **rules)
        self.params = self.module.params
        self.failure = failure
        problems = [problem for problem in (self._regex_error(name) for name in regex_options) if problem]
        problems.extend(problem for problem in (self._tls_file_error(name) for name in TLS_FILE_OPTIONS) if problem)
        if problems:
            self.module.fail_json(msg='; '.join(problems))
        if not HAS_KAFKA:
            self.module.fail_json(msg=missing_required_lib('kafka-python (3.x)'), exception=KAFKA_IMPORT_ERROR)

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def diff(self):
        return self.module._diff  # pylint: disable=protected-access

    def warn(self, text):
        self.module.warn(text)

    def _regex_error(self, name):
        if self.params[name] is None:
            return None
        try:
            re.compile(self.params[name])
        except re.error as exc:
            return '%s %r is not a valid regular expression: %s' % (name, self.params[name], exc)
        return None

    def _tls_file_error(self, name):
        # Checked before connecting: kafka-python would report a missing CA file as a failed
        # connection, after its whole timeout, among other possible causes.
        path = self.params[name]
        if path is None or self.params['security_protocol'] not in ('SSL', 'SASL_SSL'):
            return None
        if not os.path.isfile(path):
            return '%s %s does not exist or is not a file' % (name, path)
        if not os.access(path, os.R_OK):
            return '%s %s cannot be read by the user the module runs as' % (name, path)
        return None

    def run(self, manager_class):
        try:
            manager = manager_class(self)
            with self.admin() as admin:
                result = manager.run(admin)
            self.module.exit_json(**result)
        except ModuleFailure as exc:
            self.module.fail_json(msg=exc.msg, **exc.result)

    @contextlib.contextmanager
    def admin(self):
        admin = self._connect()
        try:
            yield admin
        except ModuleFailure:
            raise
        except KafkaError as exc:
            self.module.fail_json(msg='%s: %s' % (self.failure, error_message(exc)), exception=traceback.format_exc())
        finally:
            admin.close()

    def _connect(self):
        params = self.params
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
            self.module.fail_json(
                msg='Cannot connect to Kafka at %s (security_protocol %s) within %ss: %s'
                    % (', '.join(params['bootstrap_servers']), params['security_protocol'],
                       params['connect_timeout'], reason),
                exception=traceback.format_exc())
