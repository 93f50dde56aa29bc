# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_acl against real brokers with the StandardAuthorizer: bindings that decide what a SCRAM
user may read, prune within the named principals only, refusals that change nothing."""

import contextlib
import time

import pytest
from kafka import KafkaConsumer
from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, NewTopic, ResourcePatternFilter,
                         ResourceType, ScramMechanism, UserScramCredentialUpsertion)
from kafka.errors import AuthorizationError
from kafka.structs import TopicPartition

from tests.integration.conftest import connection, produce

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

READ_SECONDS = 20


def bindings(cluster, principals):
    """The cluster's bindings of these principals as sorted tuples, read with kafka-python directly."""
    everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    with contextlib.closing(cluster.admin()) as admin:
        acls = admin.describe_acls(everything)[0]
    return sorted((acl.principal, acl.host, acl.operation.name, acl.permission_type.name, acl.resource_pattern.resource_type.name,
                   acl.resource_pattern.resource_name, acl.resource_pattern.pattern_type.name)
                  for acl in acls if acl.principal in principals)


def user_and_topic(cluster, name, password, topic):
    with contextlib.closing(cluster.admin()) as admin:
        assert admin.alter_user_scram_credentials([UserScramCredentialUpsertion(name, ScramMechanism.SCRAM_SHA_512, password)]) == {name: None}
        admin.create_topics([NewTopic(topic, 1, 1)])
    produce(cluster, topic, 3)


def consume(cluster, name, password, topic, group):
    """'read' once the user read a record of the topic in the group, or the authorization error's name."""
    consumer = KafkaConsumer(group_id=group, auto_offset_reset="earliest", bootstrap_servers=cluster.sasl_bootstrap,
                             security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512", sasl_plain_username=name,
                             sasl_plain_password=password, request_timeout_ms=10000)
    deadline = time.monotonic() + READ_SECONDS
    try:
        # Assigned, not subscribed: a subscription to a topic the user may not describe only finds no
        # partitions, while a fetch (topic Read) and the group's committed offsets (group Read) raise.
        consumer.assign([TopicPartition(topic, 0)])
        while time.monotonic() < deadline:
            if consumer.poll(timeout_ms=500):
                return "read"
        return "nothing read within %ss" % READ_SECONDS
    except AuthorizationError as exc:
        return type(exc).__name__
    finally:
        consumer.close()


def eventually(check, expected):
    """Brokers apply new bindings from the metadata log: wait for the outcome (bounded)."""
    deadline = time.monotonic() + READ_SECONDS
    while True:
        outcome = check()
        if outcome == expected or time.monotonic() > deadline:
            return outcome
        time.sleep(0.5)


def read_acl(principal, resource_type, resource_name, **fields):
    return dict(principal=principal, operation="read", resource_type=resource_type, resource_name=resource_name, **fields)


@pytest.mark.each_version
def test_bindings_decide_what_a_user_reads(single, module, prefix):
    user, password, topic, group = prefix + "-reader", "reader-password-1", prefix + "-orders", prefix + "-readers"
    principal = "User:" + user
    user_and_topic(single, user, password, topic)
    assert consume(single, user, password, topic, group) in ("GroupAuthorizationFailedError", "TopicAuthorizationFailedError")

    group_only = module("kafka_acl", dict(connection(single), acls=[read_acl(principal, "group", prefix + "-", pattern_type="prefixed")]))
    assert group_only["rc"] == 0 and group_only["changed"], group_only.get("msg")
    assert eventually(lambda: consume(single, user, password, topic, group), "TopicAuthorizationFailedError") == "TopicAuthorizationFailedError"

    acls = [read_acl(principal, "group", prefix + "-", pattern_type="prefixed"), read_acl(principal, "topic", topic)]
    predicted = module("kafka_acl", dict(connection(single), acls=acls), check=True)
    assert predicted["rc"] == 0 and predicted["changed"], predicted.get("msg")
    assert [(a["operation"], a["resource_type"], a["resource_name"]) for a in predicted["added"]] == [("read", "topic", topic)]
    assert predicted["removed"] == []
    assert bindings(single, [principal]) == [(principal, "*", "READ", "ALLOW", "GROUP", prefix + "-", "PREFIXED")], "check mode changed ACLs"

    granted = module("kafka_acl", dict(connection(single), acls=acls))
    assert granted["rc"] == 0 and granted["changed"], granted.get("msg")
    assert granted["added"] == predicted["added"] and granted["diff"] == predicted["diff"]
    assert granted["diff"]["after"] == sorted(granted["diff"]["after"]) == [
        "%s ALLOW READ on GROUP:PREFIXED:%s- from *" % (principal, prefix), "%s ALLOW READ on TOPIC:LITERAL:%s from *" % (principal, topic)]
    assert bindings(single, [principal]) == [(principal, "*", "READ", "ALLOW", "GROUP", prefix + "-", "PREFIXED"),
                                             (principal, "*", "READ", "ALLOW", "TOPIC", topic, "LITERAL")]
    assert eventually(lambda: consume(single, user, password, topic, group), "read") == "read"

    again = module("kafka_acl", dict(connection(single), acls=acls))
    assert again["rc"] == 0 and not again["changed"] and again["added"] == again["removed"] == [], again.get("msg")

    revoked = module("kafka_acl", dict(connection(single), acls=[read_acl(principal, "topic", topic, state="absent")]))
    assert revoked["changed"] and [a["resource_type"] for a in revoked["removed"]] == ["topic"]
    assert eventually(lambda: consume(single, user, password, topic, group + "-2"), "TopicAuthorizationFailedError") == "TopicAuthorizationFailedError"


def test_prune_stays_within_the_named_principal(single, module, prefix):
    alice, bob = "User:%s-alice" % prefix, "User:%s-bob" % prefix
    setup = [read_acl(alice, "topic", prefix + "-a"), read_acl(alice, "topic", prefix + "-old"),
             dict(principal=alice, operation="write", resource_type="topic", resource_name=prefix + "-a", host="127.0.0.1"),
             read_acl(bob, "topic", prefix + "-a"), read_acl(bob, "group", prefix + "-bob")]
    assert module("kafka_acl", dict(connection(single), acls=setup))["changed"]
    bob_before = bindings(single, [bob])
    assert len(bob_before) == 2

    keep = dict(connection(single), acls=[read_acl(alice, "topic", prefix + "-a"), read_acl(alice, "group", prefix + "-alice")], prune=True)
    predicted = module("kafka_acl", keep, check=True)
    assert predicted["rc"] == 0 and predicted["changed"], predicted.get("msg")
    assert len(bindings(single, [alice])) == 3, "check mode changed ACLs"
    pruned = module("kafka_acl", keep)
    assert pruned["rc"] == 0, pruned.get("msg")
    for key in ("added", "removed", "acls", "diff"):
        assert pruned[key] == predicted[key], key
    assert sorted((a["operation"], a["resource_name"], a["host"]) for a in pruned["removed"]) == [
        ("read", prefix + "-old", "*"), ("write", prefix + "-a", "127.0.0.1")]
    assert bindings(single, [alice]) == [(alice, "*", "READ", "ALLOW", "GROUP", prefix + "-alice", "LITERAL"),
                                         (alice, "*", "READ", "ALLOW", "TOPIC", prefix + "-a", "LITERAL")]
    assert bindings(single, [bob]) == bob_before, "prune touched another principal's bindings"
    assert not module("kafka_acl", keep)["changed"]


def test_invalid_bindings_change_nothing(single, module, prefix):
    carol = "User:%s-carol" % prefix
    before = bindings(single, [carol])
    unknown = module("kafka_acl", dict(connection(single), acls=[read_acl(carol, "topic", prefix + "-c"),
                                                                 dict(principal=carol, operation="fly", resource_type="topic", resource_name="x")]))
    assert unknown["rc"] != 0 and "unknown operation 'fly' (valid: all, read, write" in unknown["msg"]
    misplaced = module("kafka_acl", dict(connection(single), acls=[read_acl(carol, "topic", prefix + "-c"),
                                                                   dict(principal=carol, operation="idempotent_write", resource_type="topic",
                                                                        resource_name="x")]))
    assert misplaced["rc"] != 0 and "operation idempotent_write does not apply to a topic" in misplaced["msg"]
    nameless = module("kafka_acl", dict(connection(single), acls=[dict(read_acl(carol, "topic", "x"), principal="carol")]))
    assert nameless["rc"] != 0 and "principal must be TYPE:NAME" in nameless["msg"]
    everything = module("kafka_acl", dict(connection(single), acls=[], prune=True))
    assert everything["rc"] != 0 and "acls lists no binding" in everything["msg"]
    assert bindings(single, [carol]) == before == []
