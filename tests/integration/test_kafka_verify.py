# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""kafka_verify against real brokers: clean runs, and the failures it must catch."""

import contextlib
import threading
import time
import uuid

import pytest
import yaml
from kafka import KafkaProducer, TopicPartition
from kafka import KafkaConsumer
from kafka.admin import AlterConfigOp, ConfigResource, NewTopic
from kafka.structs import OffsetAndMetadata

from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks
from ansible_collections.eda.platform.plugins.modules import kafka_verify
from tests import versions
from tests.containers import docker, free_port, single_broker_options
from tests.integration import kafka_cluster
from tests.integration.conftest import connection, produce, snapshot

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


RESULT_KEYS = {"rc", "changed", "failed", "msg", "warnings", "exception"}


def documented_keys():
    """The keys kafka_verify's RETURN documents."""
    return set(yaml.safe_load(kafka_verify.RETURN))


def topics_of(cluster):
    with contextlib.closing(cluster.admin()) as admin:
        return set(admin.list_topics())


def committed_lag(cluster, group, topic):
    with contextlib.closing(cluster.admin()) as admin:
        offsets = admin.list_group_offsets(group)[group]
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap)
    try:
        ends = consumer.end_offsets([partition for partition in offsets if partition.topic == topic])
    finally:
        consumer.close()
    return sum(ends[partition] - offsets[partition].offset for partition in ends)


@pytest.mark.each_version
def test_clean_run_reads_back_everything_and_cleans_up(single, module):
    before = topics_of(single)
    result = module("kafka_verify", dict(connection(single), messages=2000, message_size=512, consume_mode="assign"))
    assert result["rc"] == 0, result.get("msg")
    assert result["ok"] and result["changed"]
    assert result["messages"] == dict(requested=2000, acknowledged=2000, unacknowledged=0, consumed=2000, missing=0,
                                      duplicated=0, corrupt=0, out_of_order=0, foreign=0)
    assert result["throughput"]["messages_per_second"] > 0
    assert 0 < result["latency_ms"]["p50"] <= result["latency_ms"]["p99"] <= result["latency_ms"]["max"]
    assert result["time_to_first_message_ms"] > 0
    assert [broker["port"] for broker in result["brokers"]] == [int(single.bootstrap[0].rsplit(":", 1)[1])]
    assert topics_of(single) == before, "the run's temporary topic must be deleted"
    assert result["temporary_topic"] == dict(created=True, deleted=True), "changed means the temporary topic was created"
    assert set(result) - RESULT_KEYS <= documented_keys()


@pytest.mark.each_version
def test_group_mode_commits_so_the_group_has_no_lag(single, module):
    result = module("kafka_verify", dict(connection(single), messages=500, key_strategy="sequence", keep_topic=True, partitions=2))
    assert result["rc"] == 0, result.get("msg")
    assert result["topic"] in topics_of(single)
    assert result["changed"] and result["temporary_topic"] == dict(created=True, deleted=False)
    assert committed_lag(single, result["group_id"], result["topic"]) == 0


def test_the_group_of_a_deleted_topic_can_still_be_described(single, module):
    """The run's group keeps its offsets after the temporary topic is gone; describing it must not fail."""
    result = module("kafka_verify", dict(connection(single), messages=100))
    assert result["rc"] == 0, result.get("msg")
    info = module("kafka_consumer_group_info", dict(connection(single), groups=[result["group_id"]], max_lag=0))
    assert info["rc"] == 0, info.get("msg")
    # Kafka 4 drops the offsets of a deleted topic in time; until then (and on 3.9) they have no log end.
    rows = info["groups"][result["group_id"]]["partitions"]
    assert all(row["topic"] == result["topic"] and row["log_end_offset"] is None and row["lag"] is None for row in rows)


def test_existing_topic_with_compression_and_acks_1(single, module, prefix):
    topic = prefix + "-existing"
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics([NewTopic(topic, 2, 1)])
    args = dict(connection(single), topic=topic, messages=300, compression="gzip", acks="1", idempotent=False, key_strategy="hot")
    first = module("kafka_verify", args)
    second = module("kafka_verify", args)
    assert first["rc"] == 0 and second["rc"] == 0, (first.get("msg"), second.get("msg"))
    # The second run reads only what it produced, never the first run's records.
    assert second["messages"]["consumed"] == 300 and second["messages"]["foreign"] == 0
    # Messages written to an existing topic are no change: only a temporary topic is.
    assert not first["changed"] and not second["changed"] and "temporary_topic" not in second
    assert topic in topics_of(single)


def test_check_mode_reads_metadata_and_changes_nothing(single, module):
    before = topics_of(single)
    result = module("kafka_verify", dict(connection(single)), check=True)
    assert result["rc"] == 0 and not result["changed"]
    assert len(result["brokers"]) == 1 and "messages" not in result and "temporary_topic" not in result
    assert set(result) - RESULT_KEYS <= documented_keys()
    assert topics_of(single) == before


def test_sasl_scram_listener(single, module):
    args = dict(bootstrap_servers=single.sasl_bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
                sasl_username=kafka_cluster.SCRAM_USER, sasl_password=single.scram_password, messages=200)
    result = module("kafka_verify", args)
    assert result["rc"] == 0, result.get("msg")
    assert result["messages"]["consumed"] == 200
    wrong = module("kafka_verify", dict(args, sasl_password="wrong", connect_timeout=10))
    assert wrong["rc"] != 0 and "Cannot connect" in wrong["msg"]


def inject_when_producing(cluster, topic, action):
    """Run action() once the module's first records reached the topic (bounded wait)."""

    def watch():
        consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap)
        try:
            partitions = [TopicPartition(topic, partition) for partition in range(3)]
            start = consumer.end_offsets(partitions)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if consumer.end_offsets(partitions) != start:
                    action()
                    return
                time.sleep(0.05)
        finally:
            consumer.close()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_corrupted_and_a_duplicated_record_are_detected(single, module, prefix):
    topic = prefix + "-tamper"
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics([NewTopic(topic, 3, 1)])
    run_id = uuid.uuid4()

    def tamper():
        producer = KafkaProducer(bootstrap_servers=single.bootstrap)
        padding = checks.padding_for(256)
        corrupt = bytearray(checks.encode(run_id.bytes, 7, time.time_ns(), padding))
        corrupt[-1] ^= 0xFF
        producer.send(topic, value=bytes(corrupt), partition=1)
        producer.send(topic, value=checks.encode(run_id.bytes, 0, time.time_ns(), padding), partition=0)
        producer.flush()
        producer.close()

    watcher = inject_when_producing(single, topic, tamper)
    result = module("kafka_verify", dict(connection(single), topic=topic, run_id=run_id.hex, messages=20000, message_size=256, timeout=60))
    watcher.join(10)
    assert result["rc"] != 0 and not result["ok"]
    assert result["messages"]["corrupt"] == 1 and result["messages"]["duplicated"] == 1
    assert result["first"]["duplicated"] == [0]
    assert "1 corrupt" in result["msg"] and "1 duplicated (first: 0)" in result["msg"]
    assert set(result) - RESULT_KEYS <= documented_keys()


def test_a_topic_deleted_mid_run_fails_the_task_within_its_timeout(single, module, prefix):
    topic = prefix + "-doomed"
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics([NewTopic(topic, 3, 1)])

    def delete():
        with contextlib.closing(single.admin()) as admin:
            admin.delete_topics([topic])

    watcher = inject_when_producing(single, topic, delete)
    started = time.monotonic()
    result = module("kafka_verify", dict(connection(single), topic=topic, messages=50000, message_size=256, timeout=20))
    watcher.join(10)
    assert result["rc"] != 0
    assert "verification" in result["msg"]
    assert time.monotonic() - started < 4 * 20 + 30, "every phase is bounded by the timeout"


def test_unreachable_bootstrap_fails_with_one_clear_message(module):
    port = free_port()
    result = module("kafka_verify", dict(bootstrap_servers=["127.0.0.1:%d" % port], connect_timeout=3))
    assert result["rc"] != 0
    assert result["msg"].startswith("Cannot connect to Kafka at 127.0.0.1:%d" % port)


@pytest.fixture
def misadvertised_broker():
    """A broker reachable for bootstrap but advertising a port nothing listens on (the classic mistake)."""
    name, reachable, advertised = kafka_cluster.run_id() + "-misadvertised", free_port(), free_port()
    options = single_broker_options("127.0.0.1:%d" % advertised)
    docker("run", "-d", "--name", name, "-p", "127.0.0.1:%d:9092" % reachable, *options, versions.KAFKA_IMAGE)
    try:
        yield name, reachable, advertised
    finally:
        docker("rm", "-f", "-v", name, check=False)


def test_a_broker_clients_cannot_reach_is_reported(misadvertised_broker, module):
    name, reachable, advertised = misadvertised_broker
    args = dict(bootstrap_servers=["127.0.0.1:%d" % reachable], connect_timeout=3)
    deadline = time.monotonic() + 180
    result = module("kafka_verify", args, check=True)
    while "Cannot connect" in result.get("msg", "") and time.monotonic() < deadline:
        time.sleep(2)
        result = module("kafka_verify", args, check=True)
    assert result["rc"] != 0
    assert "clients cannot reach these advertised brokers: 127.0.0.1:%d (node 1)" % advertised in result["msg"]


@pytest.mark.parametrize("args, message", [
    (dict(acks="1"), "the idempotent producer needs acks=all"),
    (dict(message_size=10), "message_size must be at least 40"),
    (dict(messages=0), "messages must be at least 1"),
    (dict(messages=10 ** 7 + 1), "messages must be at most 10000000"),
    (dict(run_id="xyz"), "run_id must be 32 hexadecimal characters"),
    (dict(compression="zstd"), "compression zstd needs its Python library"),
])
def test_bad_input_is_refused_before_touching_the_cluster(single, module, args, message):
    before = topics_of(single)
    result = module("kafka_verify", dict(connection(single), **args))
    assert result["rc"] != 0 and message in result["msg"]
    assert topics_of(single) == before


def test_thresholds_fail_the_task_with_the_figures(single, module):
    before = topics_of(single)
    slow = module("kafka_verify", dict(connection(single), messages=200, min_throughput=10 ** 9))
    assert slow["rc"] != 0 and "below min_throughput" in slow["msg"] and slow["ok"]
    late = module("kafka_verify", dict(connection(single), messages=200, max_p99_latency_ms=0.001))
    assert late["rc"] != 0 and "above max_p99_latency_ms" in late["msg"]
    assert slow["temporary_topic"] == late["temporary_topic"] == dict(created=True, deleted=True)
    assert topics_of(single) == before


@pytest.fixture
def busy_topic(single, prefix):
    """A topic with records and an application's consumer group that committed offsets on it."""
    topic, group = prefix + "-orders", prefix + "-billing"
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({topic: dict(num_partitions=2, replication_factor=1)}, wait_for_metadata=True)
        produce(single, topic, 10, partitions=2)
        admin.alter_group_offsets(group, {TopicPartition(topic, 0): OffsetAndMetadata(4, "", -1),
                                          TopicPartition(topic, 1): OffsetAndMetadata(7, "", -1)})
    return topic, group


@pytest.mark.parametrize("check", [True, False], ids=["check", "apply"])
def test_an_existing_consumer_group_is_never_joined_nor_committed(single, module, busy_topic, check):
    topic, group = busy_topic
    before = snapshot(single, [topic], [group])
    result = module("kafka_verify", dict(connection(single), topic=topic, group_id=group, messages=100), check=check)
    assert result["rc"] != 0
    assert result["msg"].startswith("consumer group %s already exists: kafka_verify joins and commits only a group it creates" % group)
    assert snapshot(single, [topic], [group]) == before, "no record written, no offset moved"


def test_a_message_larger_than_the_topic_accepts_is_refused(single, module, prefix):
    topic = prefix + "-small"
    with contextlib.closing(single.admin()) as admin:
        admin.create_topics({topic: dict(num_partitions=1, replication_factor=1, configs={"max.message.bytes": "4096"})},
                            wait_for_metadata=True)
    before = snapshot(single, [topic])
    for args in (dict(topic=topic, message_size=3997, consume_mode="assign"), dict(message_size=2 * 1024 * 1024)):
        result = module("kafka_verify", dict(connection(single), messages=10, **args))
        assert result["rc"] != 0 and result["msg"].startswith("message_size %d is more than " % args["message_size"]), result["msg"]
        assert "temporary_topic" not in result
    assert snapshot(single, [topic]) == before
    # The largest size allowed is one the broker takes.
    fits = module("kafka_verify", dict(connection(single), topic=topic, message_size=3996, messages=50, consume_mode="assign"))
    assert fits["rc"] == 0 and fits["messages"]["consumed"] == 50, fits.get("msg")


def test_a_run_that_fails_after_creating_its_topic_deletes_it(single, module):
    """The brokers start refusing the run's records right after its topic appears."""
    run_id = uuid.uuid4().hex
    topic = "eda-verify-%s" % run_id
    before = topics_of(single)

    def refuse_records_once_created():
        with contextlib.closing(single.admin()) as admin:
            deadline = time.monotonic() + 60
            while topic not in admin.list_topics() and time.monotonic() < deadline:
                time.sleep(0.05)
            admin.alter_configs([ConfigResource("TOPIC", topic, {"max.message.bytes": (AlterConfigOp.SET, "200")})], incremental=True)

    watcher = threading.Thread(target=refuse_records_once_created, daemon=True)
    watcher.start()
    result = module("kafka_verify", dict(connection(single), run_id=run_id, messages=50000, consume_mode="assign", timeout=30))
    watcher.join(60)
    assert result["rc"] != 0 and result["ok"] is False, result.get("msg")
    assert result["messages"]["unacknowledged"] > 0 and "first_produce_error" in result
    assert result["temporary_topic"] == dict(created=True, deleted=True)
    deadline = time.monotonic() + 10
    while topics_of(single) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert topics_of(single) == before, "the failed run's topic must be deleted"
