# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Pure logic of kafka_user: validation, planning, request rounds, diff without secrets, the SCRAM client."""

import base64
import hashlib
import hmac

import pytest

from ansible_collections.eda.platform.plugins.module_utils import kafka_users as ku


def params(users, state='present'):
    return dict(users=users, state=state)


def users(*entries, **top):
    return ku.desired_users(params(list(entries), **top))


def test_defaults_and_mechanism_spelling():
    alice, bob, carol = users(dict(name='alice', password='p' * 8), dict(name='bob', password='p' * 8, mechanism='scram_sha_256'),
                              dict(name='carol', state='absent'))
    assert (alice['mechanism'], alice['iterations'], alice['state']) == ('SCRAM-SHA-512', 4096, 'present')
    assert bob['mechanism'] == 'SCRAM-SHA-256'
    assert carol['mechanism'] is None, 'absent without a mechanism means every mechanism'


@pytest.mark.parametrize('entry, message', [
    (dict(name='a', password='short1'), "user 'a': password is too short (at least 8 characters)"),
    (dict(name='a', password=''), "user 'a': password is required"),
    (dict(name='a'), "user 'a': password is required"),
    (dict(name='a', password='long-enough', mechanism='PLAIN'), "unknown SASL mechanism 'PLAIN' (valid: SCRAM-SHA-256, SCRAM-SHA-512)"),
    (dict(name='a', password='long-enough', iterations=4095), 'iterations must be between 4096 and 16384'),
    (dict(name='a', password='long-enough', iterations=16385), 'iterations must be between 4096 and 16384'),
    (dict(name=' ', password='long-enough'), 'a user has an empty name'),
])
def test_each_bad_entry_is_named(entry, message):
    errors = ku.request_errors(users(dict(name='ok', password='long-enough'), entry))
    assert len(errors) == 1 and message in errors[0]
    assert 'long-enough' not in errors[0] and 'short1' not in errors[0]


def test_absent_needs_no_password_and_duplicates_are_refused():
    assert ku.request_errors(users(dict(name='a', state='absent'))) == []
    twice = ku.request_errors(users(dict(name='a', password='long-enough'), dict(name='a', password='other-one')))
    assert twice == ["user 'a': SCRAM-SHA-512 is listed more than once"]
    both_mechanisms = users(dict(name='a', password='long-enough'), dict(name='a', password='long-enough', mechanism='SCRAM-SHA-256'))
    assert ku.request_errors(both_mechanisms) == []
    assert ku.request_errors([]) == ['users lists no user']
    assert ku.request_errors(users(dict(name='a', password='abcd')), min_password_length=4) == []


def test_current_credentials_from_describe():
    class Mechanism(object):
        def __init__(self, name):
            self.name = name
    described = {'alice': {'error': None, 'credential_infos': [{'mechanism': Mechanism('SCRAM_SHA_512'), 'iterations': 8192}]},
                 'gone': {'error': 'Attempt to describe a user credential that does not exist', 'credential_infos': []}}
    assert ku.current_credentials(described) == {'alice': {'SCRAM-SHA-512': 8192}}


CURRENT = {'alice': {'SCRAM-SHA-512': 4096, 'SCRAM-SHA-256': 4096}, 'bob': {'SCRAM-SHA-512': 8192}}


def one(entry, update_password='on_login_failure', login_ok=None, current=None):
    return ku.plan_user(users(entry)[0], CURRENT if current is None else current, update_password, login_ok)


def test_plans():
    assert one(dict(name='new', password='long-enough')).action == 'create'
    assert one(dict(name='alice', password='long-enough'), login_ok=True).action == 'none'
    refused = one(dict(name='alice', password='long-enough'), login_ok=False)
    assert (refused.action, refused.reason, refused.upserts) == ('update', 'the password does not authenticate', ['SCRAM-SHA-512'])
    rehash = one(dict(name='bob', password='long-enough'))
    assert (rehash.action, rehash.reason) == ('update', 'iterations 8192 -> 4096')
    assert one(dict(name='alice', password='long-enough'), 'always').action == 'update'
    assert one(dict(name='bob', password='long-enough'), 'on_create').action == 'none'
    assert one(dict(name='new', password='long-enough'), 'on_create').action == 'create'
    everything = one(dict(name='alice', state='absent'))
    assert (everything.action, everything.deletions, everything.after) == ('remove', ['SCRAM-SHA-256', 'SCRAM-SHA-512'], [])
    only_256 = one(dict(name='alice', state='absent', mechanism='SCRAM-SHA-256'))
    assert only_256.deletions == ['SCRAM-SHA-256'] and only_256.after == [dict(mechanism='SCRAM-SHA-512', iterations=4096)]
    assert one(dict(name='nobody', state='absent')).action == 'none'


def test_login_is_needed_only_to_decide_about_a_matching_credential():
    alice, bob, new = users(dict(name='alice', password='long-enough'), dict(name='bob', password='long-enough'),
                            dict(name='new', password='long-enough'))
    assert ku.needs_login(alice, CURRENT, 'on_login_failure')
    assert not ku.needs_login(bob, CURRENT, 'on_login_failure'), 'other iterations: replaced without a login'
    assert not ku.needs_login(new, CURRENT, 'on_login_failure')
    assert not ku.needs_login(alice, CURRENT, 'on_create') and not ku.needs_login(alice, CURRENT, 'always')


def test_one_alteration_per_user_per_request():
    entries = users(dict(name='alice', password='long-enough', mechanism='SCRAM-SHA-256'), dict(name='alice', password='long-enough'),
                    dict(name='bob', state='absent'), dict(name='carol', password='long-enough'))
    plans = [ku.plan_user(user, CURRENT, 'always') for user in entries]
    rounds = ku.alteration_rounds(plans)
    assert [[(kind, name, mechanism) for kind, name, mechanism, user in batch] for batch in rounds] == [
        [('upsert', 'alice', 'SCRAM-SHA-256'), ('delete', 'bob', 'SCRAM-SHA-512'), ('upsert', 'carol', 'SCRAM-SHA-512')],
        [('upsert', 'alice', 'SCRAM-SHA-512')]]


def test_diff_holds_no_password():
    entries = users(dict(name='alice', password='secret-password', iterations=8192), dict(name='alice', state='absent', mechanism='SCRAM-SHA-256'),
                    dict(name='bob', password='bob-password', iterations=8192))
    plans = [ku.plan_user(entries[0], CURRENT, 'on_login_failure'), ku.plan_user(entries[1], CURRENT, 'on_login_failure'),
             ku.plan_user(entries[2], CURRENT, 'on_login_failure', login_ok=True)]
    diff = ku.diff(plans)
    assert diff == {'before': {'alice': {'SCRAM-SHA-256': {'iterations': 4096}, 'SCRAM-SHA-512': {'iterations': 4096}}},
                    'after': {'alice': {'SCRAM-SHA-512': {'iterations': 8192, 'new_password': True}}}}
    assert 'secret' not in repr(diff) and 'secret' not in repr([plan.result() for plan in plans])


def test_scram_client_against_a_server_computation():
    """The client's proof is what a server holding the salted password expects (RFC 5802)."""
    scram = ku._Scram('a,b=c', 'pencil-pencil', 'SCRAM-SHA-256')  # pylint: disable=protected-access
    first = scram.first_message().decode()
    assert first.startswith('n,,n=a=2Cb=3Dc,r=')
    client_nonce = first.split('r=', 1)[1]
    salt = b'0123456789abcdef'
    server_first = 'r=%sSERVER,s=%s,i=4096' % (client_nonce, base64.b64encode(salt).decode())
    final = scram.final_message(server_first.encode()).decode()
    salted = hashlib.pbkdf2_hmac('sha256', b'pencil-pencil', salt, 4096)
    client_key = hmac.new(salted, b'Client Key', 'sha256').digest()
    auth_message = ('%s,%s,c=biws,r=%sSERVER' % (first[3:], server_first, client_nonce)).encode()
    signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, 'sha256').digest()
    proof = base64.b64decode(final.split(',p=', 1)[1])
    assert hashlib.sha256(bytes(a ^ b for a, b in zip(proof, signature))).digest() == hashlib.sha256(client_key).digest()
    server_signature = hmac.new(hmac.new(salted, b'Server Key', 'sha256').digest(), auth_message, 'sha256').digest()
    assert scram.server_verified(b'v=' + base64.b64encode(server_signature))
    assert not scram.server_verified(b'v=' + base64.b64encode(b'x' * 32))
    with pytest.raises(ku.LoginError):
        ku._Scram('a', 'p', 'SCRAM-SHA-256').final_message(b'r=not-our-nonce,s=AAAA,i=4096')  # pylint: disable=protected-access


def test_addresses():
    assert ku.split_address('kafka1:9093') == ('kafka1', 9093)
    assert ku.split_address('[::1]:9093') == ('::1', 9093)
