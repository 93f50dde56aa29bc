# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_user against real brokers: SCRAM credentials that real clients log in with, passwords
changed only when they no longer authenticate, refusals that change nothing."""

import contextlib
import time

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from ansible_collections.eda.platform.plugins.module_utils import kafka_users
from tests.integration import kafka_cluster

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LOGIN_SECONDS = 15


def admin_connection(cluster, **overrides):
    """The module's admin connection: the SCRAM listener, as the super user edatest-admin."""
    args = dict(bootstrap_servers=cluster.sasl_bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                sasl_username=kafka_cluster.SCRAM_USER, sasl_password=cluster.scram_password, connect_timeout=20)
    args.update(overrides)
    return args


def credentials(cluster, names):
    """{user: {mechanism: iterations}} of the named users, read with kafka-python directly."""
    with contextlib.closing(cluster.admin()) as admin:
        current = kafka_users.current_credentials(admin.describe_user_scram_credentials())
    return dict((name, current[name]) for name in names if name in current)


def logs_in(cluster, name, password, mechanism="SCRAM-SHA-512"):
    """Whether a real kafka-python client gets in with this credential (it bootstraps: login and metadata)."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=cluster.sasl_bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism=mechanism,
                                 sasl_plain_username=name, sasl_plain_password=password, bootstrap_timeout_ms=3000, request_timeout_ms=5000)
    except KafkaError:
        return False
    admin.close()
    return True


def eventually_logs_in(cluster, name, password, mechanism="SCRAM-SHA-512"):
    """The broker learns a new credential from the metadata log: wait for it (bounded)."""
    deadline = time.monotonic() + LOGIN_SECONDS
    while not logs_in(cluster, name, password, mechanism):
        assert time.monotonic() < deadline, "%s cannot log in with %s within %ss" % (name, mechanism, LOGIN_SECONDS)
        time.sleep(0.5)


def actions(result):
    return [(user["name"], user["action"]) for user in result["users"]]


@pytest.mark.each_version
def test_users_created_kept_changed_and_removed(single, module, prefix):
    alice, bob = prefix + "-alice", prefix + "-bob"
    users = [dict(name=alice, password="alice-password-1"),
             dict(name=bob, password="bob-password-1", mechanism="SCRAM-SHA-256", iterations=8192)]

    predicted = module("kafka_user", dict(admin_connection(single), users=users), check=True)
    assert predicted["rc"] == 0, predicted.get("msg")
    assert predicted["changed"] and actions(predicted) == [(alice, "create"), (bob, "create")]
    assert credentials(single, [alice, bob]) == {}, "check mode created a user"

    created = module("kafka_user", dict(admin_connection(single), users=users))
    assert created["rc"] == 0, created.get("msg")
    assert created["changed"] and actions(created) == actions(predicted)
    assert created["diff"]["after"] == predicted["diff"]["after"] == {
        alice: {"SCRAM-SHA-512": {"iterations": 4096, "new_password": True}},
        bob: {"SCRAM-SHA-256": {"iterations": 8192, "new_password": True}}}
    assert "password-1" not in repr(created), "a password was returned"
    assert credentials(single, [alice, bob]) == {alice: {"SCRAM-SHA-512": 4096}, bob: {"SCRAM-SHA-256": 8192}}
    eventually_logs_in(single, alice, "alice-password-1")
    eventually_logs_in(single, bob, "bob-password-1", "SCRAM-SHA-256")

    again = module("kafka_user", dict(admin_connection(single), users=users))
    assert again["rc"] == 0, again.get("msg")
    assert not again["changed"] and actions(again) == [(alice, "none"), (bob, "none")]

    # A new password for alice: found by logging in with it, set once.
    users[0]["password"] = "alice-password-2"
    predicted = module("kafka_user", dict(admin_connection(single), users=users), check=True)
    assert predicted["changed"] and actions(predicted) == [(alice, "update"), (bob, "none")]
    assert logs_in(single, alice, "alice-password-1"), "check mode changed the password"
    changed = module("kafka_user", dict(admin_connection(single), users=users))
    assert changed["rc"] == 0, changed.get("msg")
    assert changed["changed"] and actions(changed) == [(alice, "update"), (bob, "none")]
    assert changed["users"][0]["reason"] == "the password does not authenticate"
    eventually_logs_in(single, alice, "alice-password-2")
    assert not logs_in(single, alice, "alice-password-1"), "the old password still works"
    assert not module("kafka_user", dict(admin_connection(single), users=users))["changed"]

    # Other iterations mean a new credential (with the listed password).
    users[1]["iterations"] = 4096
    rehashed = module("kafka_user", dict(admin_connection(single), users=users))
    assert rehashed["changed"] and actions(rehashed) == [(alice, "none"), (bob, "update")]
    assert credentials(single, [bob]) == {bob: {"SCRAM-SHA-256": 4096}}

    gone = [dict(name=alice, state="absent"), dict(name=bob, state="absent")]
    predicted = module("kafka_user", dict(admin_connection(single), users=gone), check=True)
    assert predicted["changed"] and actions(predicted) == [(alice, "remove"), (bob, "remove")]
    assert set(credentials(single, [alice, bob])) == {alice, bob}, "check mode removed a user"
    removed = module("kafka_user", dict(admin_connection(single), users=gone))
    assert removed["rc"] == 0 and removed["changed"], removed.get("msg")
    assert credentials(single, [alice, bob]) == {}
    assert not module("kafka_user", dict(admin_connection(single), users=gone))["changed"]
    assert not logs_in(single, alice, "alice-password-2")


def test_refusals_change_nothing(single, module, prefix):
    carol, dave = prefix + "-carol", prefix + "-dave"
    with contextlib.closing(single.admin()) as admin:
        before = kafka_users.current_credentials(admin.describe_user_scram_credentials())
    good = dict(name=carol, password="carol-password-1")

    wrong_admin = module("kafka_user", dict(admin_connection(single, sasl_password="not-the-password", connect_timeout=5), users=[good]))
    assert wrong_admin["rc"] != 0 and wrong_admin["msg"].startswith("Cannot connect to Kafka")
    assert "SaslAuthenticationFailedError" in wrong_admin["msg"] or "check security_protocol, sasl_mechanism and the credentials" in wrong_admin["msg"]

    unknown = module("kafka_user", dict(admin_connection(single), users=[good, dict(name=dave, password="dave-password-1", mechanism="PLAIN")]))
    assert unknown["rc"] != 0 and "unknown SASL mechanism 'PLAIN' (valid: SCRAM-SHA-256, SCRAM-SHA-512)" in unknown["msg"]

    short = module("kafka_user", dict(admin_connection(single), users=[good, dict(name=dave, password="abc12")]))
    assert short["rc"] != 0 and "password is too short (at least 8 characters)" in short["msg"]
    empty = module("kafka_user", dict(admin_connection(single), users=[good, dict(name=dave, password="")]))
    assert empty["rc"] != 0 and "password is required" in empty["msg"]
    iterations = module("kafka_user", dict(admin_connection(single), users=[dict(good, iterations=1000)]))
    assert iterations["rc"] != 0 and "iterations must be between 4096 and 16384" in iterations["msg"]

    # The password check needs a SASL listener: refused on the PLAINTEXT one, unless told not to check.
    plaintext = module("kafka_user", dict(bootstrap_servers=single.bootstrap, users=[good]))
    assert plaintext["rc"] != 0 and "update_password=on_login_failure" in plaintext["msg"]

    with contextlib.closing(single.admin()) as admin:
        assert kafka_users.current_credentials(admin.describe_user_scram_credentials()) == before, "a refused run changed a credential"

    on_create = module("kafka_user", dict(bootstrap_servers=single.bootstrap, update_password="on_create", users=[good]))
    assert on_create["rc"] == 0 and on_create["changed"], on_create.get("msg")
    changed_password = dict(good, password="carol-password-2")
    kept = module("kafka_user", dict(bootstrap_servers=single.bootstrap, update_password="on_create", users=[changed_password]))
    assert kept["rc"] == 0 and not kept["changed"], kept.get("msg")
    eventually_logs_in(single, carol, "carol-password-1")
    module("kafka_user", dict(bootstrap_servers=single.bootstrap, update_password="on_create", users=[dict(name=carol, state="absent")]))
