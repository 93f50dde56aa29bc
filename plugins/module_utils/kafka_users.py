# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of kafka_user (validation, planning, diff) and the SCRAM login it checks passwords with.

Inputs are plain data: the users of the task as dicts, and the cluster's credentials as
{user: {mechanism: iterations}} (mechanism names as Kafka writes them, SCRAM-SHA-512).
Passwords are only ever read from the task's entries; nothing this module returns holds one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import hmac
import os
import socket
import ssl
import struct
import time

MECHANISMS = ('SCRAM-SHA-256', 'SCRAM-SHA-512')
DEFAULT_MECHANISM = 'SCRAM-SHA-512'
HASHES = {'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512'}
# Kafka refuses credentials outside these (ScramMechanism minIterations / maxIterations).
MIN_ITERATIONS = 4096
MAX_ITERATIONS = 16384
MIN_PASSWORD_LENGTH = 8
UPDATE_PASSWORD = ('on_login_failure', 'always', 'on_create')


def mechanism_name(text):
    """'scram_sha_256' and 'SCRAM-SHA-256' are the same; None when it names no SCRAM mechanism."""
    if text is None:
        return None
    name = str(text).strip().upper().replace('_', '-')
    return name if name in MECHANISMS else None


def desired_users(params):
    """The task's users with the defaults applied; mechanism None means every mechanism (absent only)."""
    users = []
    for item in params['users'] or []:
        state = item.get('state') or params['state']
        mechanism = item.get('mechanism')
        users.append(dict(
            name=item['name'], state=state, password=item.get('password'),
            mechanism_text=mechanism,
            mechanism=mechanism_name(mechanism) if mechanism is not None else (DEFAULT_MECHANISM if state == 'present' else None),
            iterations=item.get('iterations') if item.get('iterations') is not None else MIN_ITERATIONS,
        ))
    return users


def request_errors(users, min_password_length=MIN_PASSWORD_LENGTH):
    """Everything wrong with the request, one line each and never a password."""
    errors = []
    seen = {}
    if not users:
        errors.append('users lists no user')
    for user in users:
        name = user['name']
        label = 'user %r' % (name,)
        if not name or not name.strip():
            errors.append('a user has an empty name')
            continue
        if user['mechanism_text'] is not None and user['mechanism'] is None:
            errors.append('%s: unknown SASL mechanism %r (valid: %s)' % (label, user['mechanism_text'], ', '.join(MECHANISMS)))
            continue
        if not MIN_ITERATIONS <= user['iterations'] <= MAX_ITERATIONS:
            errors.append('%s: iterations must be between %d and %d (what Kafka accepts), not %d'
                          % (label, MIN_ITERATIONS, MAX_ITERATIONS, user['iterations']))
        if user['state'] == 'present':
            if user['password'] is None or user['password'] == '':
                errors.append('%s: password is required (and must not be empty) with state=present' % label)
            elif len(user['password']) < min_password_length:
                errors.append('%s: password is too short (at least %d characters)' % (label, min_password_length))
        for mechanism in [user['mechanism']] if user['mechanism'] else MECHANISMS:
            key = (name, mechanism)
            if key in seen and (seen[key] != user['state'] or user['state'] == 'present'):
                errors.append('%s: %s is listed more than once' % (label, mechanism))
            seen[key] = user['state']
    return errors


def current_credentials(described):
    """{user: {mechanism: iterations}} from describe_user_scram_credentials()."""
    current = {}
    for name, entry in (described or {}).items():
        if entry.get('error'):
            continue
        for info in entry.get('credential_infos') or []:
            mechanism = info['mechanism']
            mechanism = getattr(mechanism, 'name', str(mechanism)).replace('_', '-')
            if mechanism in MECHANISMS:
                current.setdefault(name, {})[mechanism] = info['iterations']
    return current


class UserPlan(object):
    """What one entry of the task does: action create, update, remove or none, and why."""

    def __init__(self, user, before, after, action, reason=None, upserts=(), deletions=()):
        self.user = user
        self.before = before
        self.after = after
        self.action = action
        self.reason = reason
        self.upserts = list(upserts)
        self.deletions = list(deletions)

    @property
    def changed(self):
        return self.action != 'none'

    def result(self):
        entry = dict(name=self.user['name'], state=self.user['state'], mechanism=self.user['mechanism'],
                     action=self.action, changed=self.changed,
                     before=self.before, after=self.after)
        if self.reason:
            entry['reason'] = self.reason
        return entry


def _credential_list(credentials):
    return [dict(mechanism=mechanism, iterations=credentials[mechanism]) for mechanism in sorted(credentials)]


def needs_login(user, current, update_password):
    """Whether deciding about this entry takes a login with its password."""
    have = current.get(user['name'], {}).get(user['mechanism'])
    return (user['state'] == 'present' and update_password == 'on_login_failure'
            and have is not None and have == user['iterations'])


def plan_user(user, current, update_password, login_ok=None):
    """The plan of one entry. login_ok: the result of the login check when needs_login()."""
    name, mechanism = user['name'], user['mechanism']
    had = dict(current.get(name, {}))
    before = _credential_list(had)
    if user['state'] == 'absent':
        gone = [mechanism] if mechanism else sorted(had)
        gone = [m for m in gone if m in had]
        after = _credential_list(dict((m, i) for m, i in had.items() if m not in gone))
        return UserPlan(user, before, after, 'remove' if gone else 'none', deletions=gone)
    have = had.get(mechanism)
    after_credentials = dict(had)
    after_credentials[mechanism] = user['iterations']
    after = _credential_list(after_credentials)
    if have is None:
        return UserPlan(user, before, after, 'create', 'no %s credential' % mechanism, upserts=[mechanism])
    if update_password == 'on_create':
        return UserPlan(user, before, before, 'none', 'update_password=on_create' if have != user['iterations'] else None)
    if update_password == 'always':
        return UserPlan(user, before, after, 'update', 'update_password=always', upserts=[mechanism])
    if have != user['iterations']:
        return UserPlan(user, before, after, 'update', 'iterations %d -> %d' % (have, user['iterations']), upserts=[mechanism])
    if login_ok:
        return UserPlan(user, before, before, 'none')
    return UserPlan(user, before, after, 'update', 'the password does not authenticate', upserts=[mechanism])


def alteration_rounds(plans):
    """[(kind, name, mechanism, user)] per request: Kafka refuses two alterations of one user in one
    request, so the n-th alteration of each user goes into the n-th request."""
    per_user = {}
    order = []
    for plan in plans:
        name = plan.user['name']
        if name not in per_user:
            per_user[name] = []
            order.append(name)
        per_user[name].extend(('upsert', name, m, plan.user) for m in plan.upserts)
        per_user[name].extend(('delete', name, m, plan.user) for m in plan.deletions)
    rounds = []
    index = 0
    while True:
        batch = [per_user[name][index] for name in order if index < len(per_user[name])]
        if not batch:
            return rounds
        rounds.append(batch)
        index += 1


def diff(plans):
    """Before and after credentials (mechanism and iterations, never a password) of the users that change;
    a credential that gets a new password is marked new_password."""
    before, after = {}, {}
    for plan in plans:
        if not plan.changed:
            continue
        name = plan.user['name']
        if name not in before:
            before[name] = dict((c['mechanism'], dict(iterations=c['iterations'])) for c in plan.before)
            after[name] = dict((mechanism, dict(value)) for mechanism, value in before[name].items())
        for mechanism in plan.deletions:
            after[name].pop(mechanism, None)
        for mechanism in plan.upserts:
            after[name][mechanism] = dict(iterations=plan.user['iterations'], new_password=True)
    return dict(before=before, after=after)


# ---------------------------------------------------------------------------
# The login check: SaslHandshake and SaslAuthenticate (v1) over one short-lived connection.
# Written out here so that the outcome is exact: kafka-python's clients retry a refused login
# until their timeout and report it only in their log, and brokers often close the connection
# without sending the error of a failed authentication.
# ---------------------------------------------------------------------------

SASL_HANDSHAKE = 17
SASL_AUTHENTICATE = 36


class LoginError(Exception):
    """The check could not tell whether the password authenticates (network, TLS, listener, protocol)."""


def _string(text):
    data = text.encode('utf-8')
    return struct.pack('>h', len(data)) + data


def _request(api_key, correlation_id, client_id, body):
    message = struct.pack('>hhi', api_key, 1, correlation_id) + _string(client_id) + body
    return struct.pack('>i', len(message)) + message


class _Reader(object):
    def __init__(self, data):
        self.data = data
        self.at = 0

    def take(self, size):
        if self.at + size > len(self.data):
            raise LoginError('truncated response from the broker')
        chunk = self.data[self.at:self.at + size]
        self.at += size
        return chunk

    def int16(self):
        return struct.unpack('>h', self.take(2))[0]

    def int32(self):
        return struct.unpack('>i', self.take(4))[0]

    def string(self):
        size = self.int16()
        return None if size < 0 else self.take(size).decode('utf-8', 'replace')

    def bytes(self):
        size = self.int32()
        return b'' if size < 0 else self.take(size)


class _Refused(Exception):
    """The broker ended the SASL exchange: the credential does not authenticate."""


def split_address(address):
    host, port = address.rsplit(':', 1)
    return host.strip('[]'), int(port)


def scram_username(name):
    return name.replace('=', '=3D').replace(',', '=2C')


class ScramLogin(object):
    """One login attempt with a user's credential, to the first broker that answers."""

    def __init__(self, params):
        self.params = params
        self.timeout = params['connect_timeout']

    def authenticates(self, name, mechanism, password):
        """True when the credential authenticates, False when the broker refuses it; LoginError otherwise."""
        problems = []
        for address in self.params['bootstrap_servers']:
            try:
                sock = self._connect(address)
            except (OSError, ValueError, LoginError) as exc:
                problems.append('%s: %s' % (address, exc))
                continue
            try:
                return self._exchange(sock, address, name, mechanism, password)
            finally:
                sock.close()
        raise LoginError('no broker could be reached (%s)' % '; '.join(problems))

    def _connect(self, address):
        host, port = split_address(address)
        sock = socket.create_connection((host, port), timeout=self.timeout)
        if self.params['security_protocol'] == 'SASL_SSL':
            context = ssl.create_default_context(cafile=self.params.get('ssl_cafile'))
            # As kafka-python: the certificate is always verified, its host name unless told not to.
            context.check_hostname = bool(self.params.get('ssl_check_hostname', True))
            if self.params.get('ssl_certfile'):
                context.load_cert_chain(self.params['ssl_certfile'], self.params.get('ssl_keyfile'), self.params.get('ssl_password'))
            try:
                sock = context.wrap_socket(sock, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                sock.close()
                raise LoginError('TLS handshake failed: %s' % exc)
        return sock

    def _call(self, sock, api_key, correlation_id, body, in_exchange):
        sock.sendall(_request(api_key, correlation_id, self.params['client_id'], body))
        try:
            size = struct.unpack('>i', self._read(sock, 4))[0]
            reader = _Reader(self._read(sock, size))
        except _Refused:
            if in_exchange:
                raise
            raise LoginError('the broker closed the connection at the SASL handshake: is it a %s listener?'
                             % self.params['security_protocol'])
        if reader.int32() != correlation_id:
            raise LoginError('unexpected answer from the broker')
        return reader

    def _read(self, sock, size):
        data = b''
        deadline = time.monotonic() + self.timeout
        while len(data) < size:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = sock.recv(size - len(data))
            except socket.timeout:
                raise LoginError('no answer from the broker within %ss' % self.timeout)
            except (ConnectionResetError, ConnectionAbortedError):
                raise _Refused()
            if not chunk:
                raise _Refused()
            data += chunk
        return data

    def _exchange(self, sock, address, name, mechanism, password):
        reader = self._call(sock, SASL_HANDSHAKE, 1, _string(mechanism), in_exchange=False)
        error = reader.int16()
        enabled = [reader.string() for dummy in range(max(0, reader.int32()))]
        if error == 34:  # ILLEGAL_SASL_STATE: a listener without SASL
            raise LoginError('%s is not a SASL listener (security_protocol is %s)' % (address, self.params['security_protocol']))
        if error or mechanism not in enabled:
            raise LoginError('%s does not accept %s (it accepts %s)' % (address, mechanism, ', '.join(enabled) or 'none'))
        scram = _Scram(name, password, mechanism)
        try:
            first = self._authenticate(sock, 2, scram.first_message())
            if first is None:
                return False
            final = self._authenticate(sock, 3, scram.final_message(first))
        except _Refused:
            return False
        if final is None or final.startswith(b'e='):
            return False
        if not scram.server_verified(final):
            raise LoginError('the broker %s accepted the login but could not prove that it knows the credential' % address)
        return True

    def _authenticate(self, sock, correlation_id, token):
        reader = self._call(sock, SASL_AUTHENTICATE, correlation_id, struct.pack('>i', len(token)) + token, in_exchange=True)
        error = reader.int16()
        reader.string()
        data = reader.bytes()
        if error == 58:  # SASL_AUTHENTICATION_FAILED
            return None
        if error:
            raise LoginError('SaslAuthenticate failed with error code %d' % error)
        return data


class _Scram(object):
    """The client side of RFC 5802 (no channel binding), as Kafka speaks it."""

    def __init__(self, name, password, mechanism):
        self.hash = HASHES[mechanism]
        self.password = password.encode('utf-8')
        self.nonce = base64.b64encode(os.urandom(18)).decode('ascii').replace('=', '')
        self.client_first_bare = 'n=%s,r=%s' % (scram_username(name), self.nonce)
        self.auth_message = None
        self.server_signature = None

    def first_message(self):
        return ('n,,' + self.client_first_bare).encode('utf-8')

    def _hmac(self, key, message):
        return hmac.new(key, message, self.hash).digest()

    def final_message(self, server_first):
        text = server_first.decode('utf-8')
        fields = dict(part.split('=', 1) for part in text.split(',') if '=' in part)
        nonce, salt, iterations = fields.get('r', ''), fields.get('s'), int(fields.get('i', '0') or 0)
        if not nonce.startswith(self.nonce) or salt is None or not 0 < iterations <= 1000000:
            raise LoginError('unexpected SCRAM message from the broker')
        salted = hashlib.pbkdf2_hmac(self.hash, self.password, base64.b64decode(salt), iterations)
        client_key = self._hmac(salted, b'Client Key')
        stored_key = hashlib.new(self.hash, client_key).digest()
        without_proof = 'c=biws,r=%s' % nonce
        self.auth_message = ','.join((self.client_first_bare, text, without_proof)).encode('utf-8')
        signature = self._hmac(stored_key, self.auth_message)
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_signature = self._hmac(self._hmac(salted, b'Server Key'), self.auth_message)
        return ('%s,p=%s' % (without_proof, base64.b64encode(proof).decode('ascii'))).encode('utf-8')

    def server_verified(self, server_final):
        fields = dict(part.split('=', 1) for part in server_final.decode('utf-8').split(',') if '=' in part)
        if 'e' in fields:
            return False
        try:
            return hmac.compare_digest(base64.b64decode(fields.get('v', '')), self.server_signature)
        except (TypeError, ValueError):
            return False
