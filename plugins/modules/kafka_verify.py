#!/usr/bin/python
# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_verify
short_description: Prove a Kafka cluster works end to end by producing and consuming
version_added: 0.1.0
description:
  - Produces O(messages) messages tagged with a unique run id, a sequence number, the send
    time and a CRC32 checksum, and consumes them back with a fresh consumer group (or by
    assigned partitions) in a separate process.
  - Checks that every acknowledged message arrived exactly once, intact and in order within
    its partition; on failure reports the counts and the first missing, duplicated, corrupt
    or out-of-order sequence numbers.
  - Measures produce throughput, end-to-end latency (p50, p95, p99, max) and the time to
    the first message; O(min_throughput) and O(max_p99_latency_ms) fail the task when not met.
  - Works against any bootstrap address, directly to the brokers or through a TCP proxy
    such as Traefik's Kafka entrypoint. Every phase is bounded by O(timeout).
  - C(changed) is V(true) when the run created its temporary topic (see RV(temporary_topic)),
    even though it deletes it again; the messages it writes to an existing O(topic) are no change.
  - The temporary topic is deleted on every way out of the run once it may exist, failures included
    (unless O(keep_topic)).
  - The control node's memory does not grow with O(messages) beyond a few bits per message (about
    10 MB at the maximum count); neither the producer nor the consumer keeps the messages, their futures or their latencies.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
attributes:
  check_mode:
    support: partial
    details:
      - Connects, reads the cluster metadata, checks that every advertised broker address accepts
        connections, that O(topic) exists, that O(message_size) fits and that the consumer group is new;
        produces nothing, creates no topic and reports no change, even when the real run would create its temporary topic.
  diff_mode:
    support: none
    details:
      - There is no state to compare; the result holds the figures of the run.
  idempotent:
    support: none
    details:
      - Every run writes new messages to the cluster, and without O(topic) creates (and deletes) its temporary topic.
options:
  topic:
    description:
      - An existing topic to verify. The run reads only what it produced itself.
      - When omitted, a topic C(eda-verify-<run id>) is created for the run and deleted afterwards
        (unless O(keep_topic)).
    type: str
  keep_topic:
    description: Keep the topic created for the run.
    type: bool
    default: false
  partitions:
    description: Partitions of the topic created for the run.
    type: int
    default: 3
  replication_factor:
    description:
      - Replication factor of the topic created for the run.
      - Defaults to the number of brokers, at most 3.
    type: int
  messages:
    description: Number of messages to produce, from 1 to 10,000,000.
    type: int
    default: 1000
  message_size:
    description:
      - Size of each message value in bytes, at least 40 (the header).
      - At most what the topic accepts, less 100 bytes of record framing; its C(max.message.bytes), or for the
        temporary topic the smallest C(message.max.bytes) of the brokers. A larger size is refused before anything is sent.
    type: int
    default: 1024
  key_strategy:
    description:
      - V(none) sends without keys, partitions chosen round robin.
      - V(sequence) keys each message by its sequence number (the default partitioner spreads them).
      - V(hot) uses 16 keys, many messages per key.
    type: str
    choices: [none, sequence, hot]
    default: none
  compression:
    description: Producer compression. V(snappy), V(lz4) and V(zstd) need their Python libraries on the host running the module.
    type: str
    choices: [none, gzip, snappy, lz4, zstd]
    default: none
  acks:
    description: Acknowledgements the producer waits for. The idempotent producer requires V(all).
    type: str
    choices: ['all', '1', '0']
    default: 'all'
  idempotent:
    description: Use the idempotent producer (no duplicates from retries).
    type: bool
    default: true
  linger_ms:
    description: Producer linger, in milliseconds.
    type: int
    default: 5
  consume_mode:
    description:
      - V(group) consumes with the consumer group O(group_id) and commits its offsets at the end,
        so the group shows zero lag afterwards.
      - V(assign) reads the partitions directly, without a group.
    type: str
    choices: [group, assign]
    default: group
  group_id:
    description:
      - Consumer group for O(consume_mode=group). Defaults to C(eda-verify-<run id>).
      - It must not exist yet; the run creates it. kafka_verify never joins, or commits offsets for,
        a group it did not create for the run (an application's group would lose its place).
    type: str
  run_id:
    description:
      - Run id (32 hexadecimal characters) to tag the messages with. Defaults to a random one.
      - A run id names the temporary topic and the default group, so a given one is refused when they exist already.
    type: str
  timeout:
    description: Seconds each phase (topic creation, producing, consuming) may take.
    type: int
    default: 60
  min_throughput:
    description: Fail when fewer messages per second are produced (acknowledged).
    type: float
  max_p99_latency_ms:
    description: Fail when the 99th percentile of end-to-end latency is higher, in milliseconds.
    type: float
requirements:
  - kafka-python >= 3.0 (and C(crc32c) for fast record checksums)
notes:
  - The consumer runs in a forked child process of the module, so the checks do not slow the producer down.
seealso:
  - module: eda.platform.kafka_consumer_group_info
'''

EXAMPLES = r'''
- name: Prove the brokers work (1000 messages, acks=all, idempotent)
  eda.platform.kafka_verify:
    bootstrap_servers: kafka1:9092,kafka2:9092,kafka3:9092

- name: The same through Traefik's Kafka entrypoint, with thresholds
  eda.platform.kafka_verify:
    bootstrap_servers: edge.example.com:9094
    messages: 10000
    message_size: 512
    compression: gzip
    min_throughput: 1000
    max_p99_latency_ms: 500

- name: Verify an existing topic over SASL_SSL
  eda.platform.kafka_verify:
    bootstrap_servers: kafka1:9093
    security_protocol: SASL_SSL
    sasl_mechanism: SCRAM-SHA-512
    sasl_username: verifier
    sasl_password: "{{ vault_verifier_password }}"
    ssl_cafile: /etc/ssl/certs/kafka-ca.pem
    topic: orders
    messages: 100
'''

RETURN = r'''
ok:
  description: Whether every acknowledged message came back exactly once, intact and in order.
  returned: after the run (not in check mode), on success and on failure
  type: bool
  sample: true
run_id:
  description: The run id the messages carry.
  returned: once connected, on success and on failure
  type: str
  sample: 3f1c2a9e0b7d4c58a6e2f90d1b3c4a5e
topic:
  description: The topic used.
  returned: once connected, on success and on failure
  type: str
  sample: eda-verify-3f1c2a9e0b7d4c58a6e2f90d1b3c4a5e
group_id:
  description: The consumer group used, V(null) when O(consume_mode=assign).
  returned: once connected, on success and on failure
  type: str
  sample: eda-verify-3f1c2a9e0b7d4c58a6e2f90d1b3c4a5e
temporary_topic:
  description:
    - The topic the run created for itself (without O(topic)), the reason for C(changed).
    - C(created) tells whether it was created, C(deleted) whether it was deleted again at the end,
      on success and on failure (not with O(keep_topic)).
  returned: when the run had to create its topic (not in check mode)
  type: dict
  sample: {created: true, deleted: true}
brokers:
  description: Brokers in the cluster metadata, with their advertised addresses.
  returned: once connected, on success and on failure
  type: list
  elements: dict
  sample: [{node_id: 1, host: kafka1, port: 9092}]
controller_id:
  description: Node id of the active controller.
  returned: once every advertised broker was reached, on success and on failure
  type: int
  sample: 1
messages:
  description: Counts of the run.
  returned: after the run (not in check mode), on success and on failure
  type: dict
  sample: {requested: 1000, acknowledged: 1000, unacknowledged: 0, consumed: 1000, missing: 0, duplicated: 0, corrupt: 0, out_of_order: 0, foreign: 0}
first:
  description: The first few sequence numbers of each problem (corrupt records as partition and offset).
  returned: after the run (not in check mode), on success and on failure
  type: dict
  sample: {missing: [], duplicated: [], corrupt: [], out_of_order: [], unacknowledged: []}
first_produce_error:
  description: The error of the first message the brokers did not acknowledge.
  returned: after the run, when a message was not acknowledged
  type: str
  sample: 'KafkaTimeoutError: Batch for TopicPartition(topic=orders, partition=0) containing 12 record(s) expired'
throughput:
  description: Produce throughput (acknowledged messages over the time from the first send to the last acknowledgement).
  returned: after the run (not in check mode), on success and on failure
  type: dict
  sample: {messages_per_second: 8123.4, mib_per_second: 7.93, seconds: 0.123}
latency_ms:
  description: End-to-end latency, send to receive, in milliseconds.
  returned: after the run (not in check mode), on success and on failure
  type: dict
  sample: {p50: 4.1, p95: 9.8, p99: 15.2, max: 31.0}
time_to_first_message_ms:
  description: Milliseconds from the first send to the first message read back, V(null) when none came back.
  returned: after the run (not in check mode), on success and on failure
  type: float
  sample: 12.5
'''


from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule
from ansible_collections.eda.platform.plugins.module_utils.kafka_verify_run import Verification


def argument_spec():
    return dict(
        topic=dict(type='str'),
        keep_topic=dict(type='bool', default=False),
        partitions=dict(type='int', default=3),
        replication_factor=dict(type='int'),
        messages=dict(type='int', default=1000),
        message_size=dict(type='int', default=1024),
        key_strategy=dict(type='str', choices=['none', 'sequence', 'hot'], default='none'),
        compression=dict(type='str', choices=['none', 'gzip', 'snappy', 'lz4', 'zstd'], default='none'),
        acks=dict(type='str', choices=['all', '1', '0'], default='all'),
        idempotent=dict(type='bool', default=True),
        linger_ms=dict(type='int', default=5),
        consume_mode=dict(type='str', choices=['group', 'assign'], default='group'),
        group_id=dict(type='str'),
        run_id=dict(type='str'),
        timeout=dict(type='int', default=60),
        min_throughput=dict(type='float'),
        max_p99_latency_ms=dict(type='float'),
    )


def main():
    AnsibleKafkaModule(argument_spec(), failure='Kafka verification could not read the cluster').run(Verification)


if __name__ == '__main__':
    main()
