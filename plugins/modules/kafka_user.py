#!/usr/bin/python
# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_user
short_description: Declare Kafka SCRAM users, many in one task, and change a password only when it no longer authenticates
version_added: 0.1.0
description:
  - Creates, updates and removes the SCRAM credentials (SCRAM-SHA-256 and SCRAM-SHA-512) of Kafka users,
    the ones that the brokers' SASL/SCRAM listeners authenticate clients with.
  - Many users in one task, on one admin connection; the credentials of all of them are read with one request.
  - "Idempotent for real: the broker never gives back a password, not even salted. So, for each listed credential that
    exists with the listed number of iterations, the module logs in with that user's name and password (a SCRAM
    login, nothing else) to a broker of O(bootstrap_servers) and sets the password only when the broker refuses it.
    This is the default O(update_password=on_login_failure)."
  - The login check goes to the listener named in O(bootstrap_servers), with O(security_protocol) and the C(ssl_*) options
    of the task, so that listener must be V(SASL_PLAINTEXT) or V(SASL_SSL) and accept the user's mechanism;
    the task is refused otherwise (use O(update_password=on_create) or V(always) on other listeners).
    A refused login means a new password is set; anything else (unreachable broker, TLS failure, a listener without that
    mechanism) fails the task, never a silent change.
  - The whole request is validated before anything changes, and every login check is done before the first change;
    when one user of the list is invalid, no user is changed.
  - A user may have a credential for each mechanism. An entry manages the credential of its O(users[].mechanism) only;
    the user's other credentials stay as they are (list the user once per mechanism to manage both).
  - Passwords are never logged, returned or shown in a diff.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reads the credentials and does the same login checks as a real run, so the prediction is exact.
  diff_mode:
    support: full
    details:
      - Shows, per changed user, the mechanisms and iterations before and after; a credential that gets a new password
        is marked C(new_password). Never a password.
  idempotent:
    support: partial
    details:
      - Full with O(update_password=on_login_failure) (the default) and V(on_create).
      - With O(update_password=always), every run sets the password again and reports a change.
options:
  users:
    description:
      - The users to manage, one entry per user and mechanism.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - User name, as clients give it in C(sasl.jaas.config) (C(User:<name>) in ACLs).
        type: str
        required: true
      password:
        description:
          - The password. Required with O(users[].state=present); at least O(min_password_length) characters.
          - Never logged.
        type: str
      mechanism:
        description:
          - V(SCRAM-SHA-256) or V(SCRAM-SHA-512) (case and V(_) for V(-) do not matter); anything else is refused.
          - With O(users[].state=present), defaults to V(SCRAM-SHA-512).
          - With O(users[].state=absent), removes only this mechanism's credential; without it, every SCRAM credential
            of the user.
        type: str
      iterations:
        description:
          - PBKDF2 iterations of the credential, between 4096 and 16384 (what Kafka accepts); default 4096.
          - A credential with other iterations is replaced (with the listed password), except with
            O(update_password=on_create).
        type: int
      state:
        description:
          - V(present) creates or updates the credential, V(absent) removes it. Defaults to O(state).
        type: str
        choices: [present, absent]
  state:
    description:
      - Default state of the entries of O(users) that do not set their own.
    type: str
    choices: [present, absent]
    default: present
  update_password:
    description:
      - When the password of an existing credential is set again.
      - V(on_login_failure) logs in with the listed password and sets it only when the broker refuses it
        (or when the iterations differ).
      - V(always) sets it on every run (a change every time).
      - V(on_create) sets it only when the credential is created; an existing credential is left as it is, even when
        its iterations differ (a warning says so).
    type: str
    choices: [on_login_failure, always, on_create]
    default: on_login_failure
  min_password_length:
    description:
      - Shortest password accepted; a shorter or empty one refuses the whole task.
    type: int
    default: 8
notes:
  - Right after a change, a broker may need a moment to learn the new credential from the cluster metadata.
    A login check that reaches such a broker sees the listed password refused and sets it again (a needless
    change, never a wrong password).
  - With O(update_password=on_login_failure), each unchanged user costs one short login; a refused login costs about
    a tenth of a second more (the broker's C(connection.failed.authentication.delay.ms)).
  - The admin connection itself (O(sasl_username)) needs the C(Alter) and C(Describe) operations on the cluster resource
    when the cluster has an authorizer.
seealso:
  - module: eda.platform.kafka_acl
'''

EXAMPLES = r'''
- name: Application users, the password set only when it no longer authenticates
  eda.platform.kafka_user:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ kafka_admin_password }}"
    ssl_cafile: /etc/kafka/ca.pem
    users:
      - name: orders-service
        password: "{{ orders_service_password }}"
      - name: legacy-client
        password: "{{ legacy_client_password }}"
        mechanism: SCRAM-SHA-256
        iterations: 8192

- name: Remove a user (every mechanism)
  eda.platform.kafka_user:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: admin
    sasl_password: "{{ kafka_admin_password }}"
    ssl_cafile: /etc/kafka/ca.pem
    users:
      - name: retired-service
        state: absent

- name: Through a PLAINTEXT listener on the broker host, passwords set on creation only
  eda.platform.kafka_user:
    bootstrap_servers: localhost:9092
    update_password: on_create
    users: "{{ kafka_users }}"
'''

RETURN = r'''
users:
  description: One entry per entry of O(users), in that order. Never a password.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
      sample: orders-service
    state:
      description: The entry's state.
      type: str
      sample: present
    mechanism:
      description: The entry's mechanism, or V(null) for an O(users[].state=absent) entry of every mechanism.
      type: str
      sample: SCRAM-SHA-512
    action:
      description: What was done (or would be done in check mode).
      type: str
      choices: [create, update, remove, none]
      sample: update
    changed:
      description: Whether the entry changed the user.
      type: bool
      sample: true
    reason:
      description: Why a credential is created or updated (or left as it is with O(update_password=on_create)).
      returned: when there is one
      type: str
      sample: the password does not authenticate
    before:
      description: The user's credentials (mechanism and iterations) before the task.
      type: list
      elements: dict
      sample: [{"mechanism": "SCRAM-SHA-512", "iterations": 4096}]
    after:
      description: The credentials after this entry (predicted in check mode).
      type: list
      elements: dict
      sample: [{"mechanism": "SCRAM-SHA-512", "iterations": 8192}]
diff:
  description: Mechanisms and iterations of the changed users before and after (with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"alice": {}}, "after": {"alice": {"SCRAM-SHA-512": {"iterations": 4096, "new_password": true}}}}
'''

from ansible_collections.eda.platform.plugins.module_utils import kafka_users
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule, ModuleFailure

try:
    from kafka.admin import ScramMechanism, UserScramCredentialDeletion, UserScramCredentialUpsertion
except ImportError:
    pass  # AnsibleKafkaModule reports the missing library

STATES = ['present', 'absent']


def argument_spec():
    return dict(
        users=dict(type='list', elements='dict', required=True, options=dict(
            name=dict(type='str', required=True),
            password=dict(type='str', no_log=True),
            mechanism=dict(type='str'),
            iterations=dict(type='int'),
            state=dict(type='str', choices=STATES),
        )),
        state=dict(type='str', default='present', choices=STATES),
        update_password=dict(type='str', default='on_login_failure', choices=list(kafka_users.UPDATE_PASSWORD), no_log=False),
        min_password_length=dict(type='int', default=kafka_users.MIN_PASSWORD_LENGTH, no_log=False),
    )


def refuse(errors):
    if errors:
        raise ModuleFailure('Nothing changed, the request is invalid: %s' % '; '.join(errors), errors=errors)


def scram_mechanism(name):
    return ScramMechanism[name.replace('-', '_')]


class UserManager(object):
    """The request validated (here, before any connection), the credentials read, the passwords
    checked by logging in, then the changes applied unless in check mode."""

    def __init__(self, client):
        self.client = client
        self.params = client.params
        self.users = kafka_users.desired_users(self.params)
        errors = []
        if self.params['min_password_length'] < 1:
            errors.append('min_password_length must be at least 1, not %d' % self.params['min_password_length'])
        errors.extend(kafka_users.request_errors(self.users, max(1, self.params['min_password_length'])))
        if (self.params['update_password'] == 'on_login_failure' and any(u['state'] == 'present' for u in self.users)
                and not self.params['security_protocol'].startswith('SASL_')):
            errors.append('update_password=on_login_failure checks passwords by logging in, which takes a SASL listener: '
                          'security_protocol is %s; point bootstrap_servers at a SASL_PLAINTEXT or SASL_SSL listener, '
                          'or use update_password=on_create (or always)' % self.params['security_protocol'])
        refuse(errors)

    def run(self, admin):
        current = kafka_users.current_credentials(admin.describe_user_scram_credentials())
        plans = self.plan(current)
        if not self.client.check_mode:
            self.apply(admin, plans)
        result = dict(changed=any(plan.changed for plan in plans), users=[plan.result() for plan in plans])
        if self.client.diff:
            result['diff'] = kafka_users.diff(plans)
        return result

    def plan(self, current):
        login = kafka_users.ScramLogin(self.params)
        update_password = self.params['update_password']
        plans = []
        for user in self.users:
            login_ok = None
            if kafka_users.needs_login(user, current, update_password):
                try:
                    login_ok = login.authenticates(user['name'], user['mechanism'], user['password'])
                except kafka_users.LoginError as exc:
                    raise ModuleFailure('Nothing changed: cannot tell whether the password of user %r (%s) still authenticates: %s'
                                        % (user['name'], user['mechanism'], exc))
            plan = kafka_users.plan_user(user, current, update_password, login_ok)
            if plan.reason == 'update_password=on_create':
                self.client.warn('user %r: the %s credential has %d iterations, not %d; left as it is (update_password=on_create)'
                                 % (user['name'], user['mechanism'], current[user['name']][user['mechanism']], user['iterations']))
            plans.append(plan)
        return plans

    def apply(self, admin, plans):
        done = []
        for batch in kafka_users.alteration_rounds(plans):
            alterations = []
            for kind, name, mechanism, user in batch:
                if kind == 'upsert':
                    alterations.append(UserScramCredentialUpsertion(name, scram_mechanism(mechanism), user['password'],
                                                                    iterations=user['iterations']))
                else:
                    alterations.append(UserScramCredentialDeletion(name, scram_mechanism(mechanism)))
            answers = admin.alter_user_scram_credentials(alterations)
            failed = ['%s: %s' % (name, answers[name]) for name in sorted(answers) if answers[name]]
            if failed:
                raise ModuleFailure('Kafka refused to change the credentials of %s (already changed: %s)'
                                    % ('; '.join(failed), ', '.join(done) or 'nothing'),
                                    changed=bool(done), users=[plan.result() for plan in plans])
            done.extend('%s %s of %s' % ('set' if item[0] == 'upsert' else 'removed', item[2], item[1]) for item in batch)


def main():
    client = AnsibleKafkaModule(argument_spec(), failure='Kafka request failed')
    client.run(UserManager)


if __name__ == '__main__':
    main()
