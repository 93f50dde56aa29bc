# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Every module over TLS + SCRAM (SASL_SSL, the broker's certificate checked against the CA
file and the address), with connection options only; TLS files that cannot be used are one
clear error before any connection."""

import pytest

from tests.integration.certificates import write_ca_and_broker
from tests.integration.conftest import cluster_state, run_playbook
from tests.integration.kafka_cluster import SCRAM_USER

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# The connection given once, for every module of the action group (meta/runtime.yml).
PLAYBOOK = """
- name: The Kafka modules over TLS, their connection from module_defaults
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/eda.platform.kafka:
      bootstrap_servers: "{{ tls_bootstrap }}"
      security_protocol: SASL_SSL
      sasl_mechanism: SCRAM-SHA-512
      sasl_username: "{{ user }}"
      sasl_password: "{{ password }}"
      ssl_cafile: "{{ ca_file }}"
  tasks:
    - name: Create the topic
      eda.platform.kafka_topic:
        name: "{{ topic }}"
        partitions: 1

    - name: Produce and consume
      eda.platform.kafka_verify:
        messages: 50

    - name: Describe the topic
      eda.platform.kafka_topic_info:
        names: ["{{ topic }}"]
      register: info

    - name: Check it
      ansible.builtin.assert:
        that: info.topics[topic].partitions == 1
"""


def tls_connection(cluster, **overrides):
    args = dict(bootstrap_servers=cluster.tls_bootstrap, security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                sasl_username=SCRAM_USER, sasl_password=cluster.scram_password, ssl_cafile=cluster.ca_file, connect_timeout=20)
    args.update(overrides)
    return args


def test_every_module_over_tls_and_scram(single, module, prefix):
    tls = tls_connection(single)
    topic, user = prefix + ".tls", prefix + "-tls-user"

    created = module("kafka_topic", dict(tls, name=topic, partitions=2))
    assert created["rc"] == 0 and created["changed"], created.get("msg")
    again = module("kafka_topic", dict(tls, name=topic, partitions=2))
    assert again["rc"] == 0 and not again["changed"], again.get("msg")
    assert len(cluster_state(single)[topic]["partitions"]) == 2

    info = module("kafka_topic_info", dict(tls, names=[topic]))
    assert info["rc"] == 0 and info["topics"][topic]["partitions"] == 2, info.get("msg")

    verified = module("kafka_verify", dict(tls, messages=200, message_size=256))
    assert verified["rc"] == 0 and verified["ok"], verified.get("msg")
    assert verified["messages"]["missing"] == 0 and verified["messages"]["consumed"] == 200

    records = module("kafka_records_info", dict(tls, topic=topic))
    assert records["rc"] == 0 and records["records"] == [], records.get("msg")

    groups = module("kafka_consumer_group_info", dict(tls, pattern=prefix + "-.*"))
    assert groups["rc"] == 0 and groups["groups"] == {}, groups.get("msg")

    # kafka_user's own SCRAM login, which decides whether a password still holds, runs over TLS too.
    users = [dict(name=user, password="tls-password-1")]
    made = module("kafka_user", dict(tls, users=users))
    assert made["rc"] == 0 and made["changed"], made.get("msg")
    kept = module("kafka_user", dict(tls, users=users))
    assert kept["rc"] == 0 and not kept["changed"], kept.get("msg")
    assert "tls-password-1" not in str(made) + str(kept)

    acls = [dict(principal="User:" + user, operation="read", resource_type="topic", resource_name=topic)]
    granted = module("kafka_acl", dict(tls, acls=acls))
    assert granted["rc"] == 0 and granted["changed"], granted.get("msg")
    unchanged = module("kafka_acl", dict(tls, acls=acls))
    assert unchanged["rc"] == 0 and not unchanged["changed"], unchanged.get("msg")


def test_a_missing_ca_file_is_refused_before_connecting(single, module, prefix, tmp_path):
    before = cluster_state(single)
    missing = str(tmp_path / "no-such-ca.pem")
    result = module("kafka_topic", dict(tls_connection(single, ssl_cafile=missing), name=prefix + ".never"))
    assert result["rc"] != 0
    assert result["msg"] == "ssl_cafile %s does not exist or is not a file" % missing
    assert cluster_state(single) == before


def test_a_ca_that_did_not_sign_the_broker_is_one_clear_error(single, module, prefix, tmp_path):
    before = cluster_state(single)
    other_ca = write_ca_and_broker(tmp_path, label="another")
    result = module("kafka_topic", dict(tls_connection(single, ssl_cafile=str(other_ca), connect_timeout=5), name=prefix + ".never"))
    assert result["rc"] != 0
    assert result["msg"].startswith("Cannot connect to Kafka at %s (security_protocol SASL_SSL) within 5s" % single.tls_bootstrap[0])
    assert "CERTIFICATE_VERIFY_FAILED" in result["msg"], result["msg"]
    assert single.scram_password not in str(result)
    assert cluster_state(single) == before


def test_module_defaults_give_the_connection_to_every_module(single, prefix, tmp_path):
    playbook = tmp_path / "tls.yml"
    playbook.write_text(PLAYBOOK)
    extra = dict(tls_bootstrap=single.tls_bootstrap, user=SCRAM_USER, password=single.scram_password, ca_file=single.ca_file,
                 topic=prefix + ".defaults")
    process = run_playbook(playbook, extra)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "ok=4" in process.stdout and "failed=0" in process.stdout
    assert prefix + ".defaults" in cluster_state(single)
