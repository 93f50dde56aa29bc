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
author:
  - eda.platform developers (@eda-platform)
extends_documentation_fragment:
  - eda.platform.kafka_connection
attributes:
  check_mode:
    support: full
    description: Connects, reads the cluster metadata and checks that every advertised broker address accepts connections; produces nothing.
  diff_mode:
    support: none
    description: There is no state to compare; the result holds the figures of the run.
  idempotent:
    support: none
    description: Every run writes new messages to the cluster (and creates and deletes its temporary topic).
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
    description: Number of messages to produce.
    type: int
    default: 1000
  message_size:
    description: Size of each message value in bytes (at least 40, the header).
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
    description: Consumer group for O(consume_mode=group). Defaults to C(eda-verify-<run id>).
    type: str
  run_id:
    description: Run id (32 hexadecimal characters) to tag the messages with. Defaults to a random one.
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
  returned: success and failure after the run
  type: bool
run_id:
  description: The run id the messages carry.
  returned: always
  type: str
topic:
  description: The topic used.
  returned: always
  type: str
group_id:
  description: The consumer group used, when O(consume_mode=group).
  returned: success
  type: str
brokers:
  description: Brokers in the cluster metadata, with their advertised addresses.
  returned: always
  type: list
  elements: dict
  sample: [{node_id: 1, host: kafka1, port: 9092}]
controller_id:
  description: Node id of the active controller.
  returned: always
  type: int
messages:
  description: Counts of the run.
  returned: success and failure after the run
  type: dict
  sample: {requested: 1000, acknowledged: 1000, unacknowledged: 0, consumed: 1000, missing: 0, duplicated: 0, corrupt: 0, out_of_order: 0, foreign: 0}
first:
  description: The first few sequence numbers of each problem (corrupt records as partition and offset).
  returned: success and failure after the run
  type: dict
throughput:
  description: Produce throughput (acknowledged messages over the time from the first send to the last acknowledgement).
  returned: success and failure after the run
  type: dict
  sample: {messages_per_second: 8123.4, mib_per_second: 7.93, seconds: 0.123}
latency_ms:
  description: End-to-end latency, send to receive, in milliseconds.
  returned: success and failure after the run
  type: dict
  sample: {p50: 4.1, p95: 9.8, p99: 15.2, max: 31.0}
time_to_first_message_ms:
  description: Milliseconds from the first send to the first message read back.
  returned: success and failure after the run
  type: float
'''

import binascii
import uuid

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.eda.platform.plugins.module_utils import kafka_client
from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks
from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_run as runner

COMPRESSION_CHECKS = {'snappy': 'has_snappy', 'lz4': 'has_lz4', 'zstd': 'has_zstd'}


def argument_spec():
    spec = kafka_client.connection_argument_spec()
    spec.update(
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
    return spec


def invalid_options(params):
    """Every problem with the request, found before anything touches the cluster."""
    problems = []
    for name, minimum in (('messages', 1), ('partitions', 1), ('timeout', 1), ('message_size', checks.HEADER_SIZE), ('linger_ms', 0)):
        if params[name] < minimum:
            problems.append('%s must be at least %d (got %d)' % (name, minimum, params[name]))
    if params['replication_factor'] is not None and params['replication_factor'] < 1:
        problems.append('replication_factor must be at least 1')
    if params['idempotent'] and params['acks'] != 'all':
        problems.append('the idempotent producer needs acks=all (set idempotent: false to test acks=%s)' % params['acks'])
    if params['run_id'] is not None:
        try:
            if len(binascii.unhexlify(params['run_id'])) != 16:
                raise ValueError()
        except (ValueError, TypeError, binascii.Error):
            problems.append('run_id must be 32 hexadecimal characters')
    return problems


def missing_codec(compression):
    if compression not in COMPRESSION_CHECKS:
        return None
    from kafka import codec  # pylint: disable=import-outside-toplevel
    return None if getattr(codec, COMPRESSION_CHECKS[compression])() else compression


class Verification(object):

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.run_id = binascii.unhexlify(self.params['run_id']) if self.params['run_id'] else uuid.uuid4().bytes
        self.run_hex = binascii.hexlify(self.run_id).decode()
        self.topic = self.params['topic'] or 'eda-verify-%s' % self.run_hex
        self.group_id = None
        if self.params['consume_mode'] == 'group':
            self.group_id = self.params['group_id'] or 'eda-verify-%s' % self.run_hex
        self.result = dict(changed=False, run_id=self.run_hex, topic=self.topic)

    def fail(self, msg, **extra):
        self.result.update(extra)
        self.module.fail_json(msg=msg, **self.result)

    def run(self):
        admin = kafka_client.admin_client(self.module)
        try:
            brokers = runner.advertised_brokers(admin)
            self.result['brokers'] = brokers
            unreachable = runner.unreachable(brokers, self.params['connect_timeout'])
            if unreachable:
                self.fail('Kafka answers at %s, but clients cannot reach these advertised brokers: %s'
                          % (', '.join(self.params['bootstrap_servers']), '; '.join(unreachable)))
            self.result['controller_id'] = runner.controller_id(admin)
            partitions = self._partitions(admin, len(brokers))
            if self.module.check_mode:
                self.module.exit_json(**self.result)
            try:
                self._produce_and_consume(partitions)
            finally:
                self._delete_temporary_topic(admin)
        finally:
            admin.close()
        self._judge()

    def _partitions(self, admin, broker_count):
        if self.params['topic']:
            partitions = runner.topic_partitions(admin, self.topic)
            if partitions is None:
                self.fail('topic %s does not exist; create it first or omit topic to use a temporary one' % self.topic)
            return partitions
        if self.module.check_mode:
            return self.params['partitions']
        replication = self.params['replication_factor'] or min(3, broker_count)
        if replication > broker_count:
            self.fail('replication_factor %d is more than the %d brokers in the cluster' % (replication, broker_count))
        try:
            runner.create_topic(admin, self.topic, self.params['partitions'], replication, self.params['timeout'])
        except (runner.VerifyError, kafka_client.KafkaError) as exc:
            self.fail('cannot create the verification topic %s: %s' % (self.topic, kafka_client.error_message(exc)))
        self.result['changed'] = True
        return self.params['partitions']

    def _produce_and_consume(self, partitions):
        client = kafka_client.client_kwargs(self.params)
        timeout = self.params['timeout']
        consumer = runner.ConsumerProcess(client, self.run_id, self.topic, partitions, self.group_id, timeout)
        try:
            consumer.wait_ready()
            acknowledged, unacknowledged, first_send_ns, seconds, first_error = runner.produce(
                client, self.params, self.run_id, self.topic, partitions, timeout)
            self.result['changed'] = True
            consumer.expect(len(acknowledged))
            consumed = consumer.summary()
        except (runner.VerifyError, kafka_client.KafkaError) as exc:
            self.fail('Kafka verification of %s could not complete: %s' % (self.topic, kafka_client.error_message(exc)))
        finally:
            consumer.stop()
        self._record(acknowledged, unacknowledged, first_send_ns, seconds, first_error, consumed)

    def _record(self, acknowledged, unacknowledged, first_send_ns, seconds, first_error, consumed):
        ok, counts, first = checks.verdict(acknowledged, unacknowledged, consumed)
        counts.update(requested=self.params['messages'], acknowledged=len(acknowledged), consumed=len(consumed['seen']), foreign=consumed['foreign'])
        rate = len(acknowledged) / seconds if seconds > 0 else 0.0
        first_ms = None
        if consumed['first_received_ns'] is not None:
            first_ms = round((consumed['first_received_ns'] - first_send_ns) / 1e6, 3)
        self.result.update(
            ok=ok, messages=counts, first=first, group_id=self.group_id,
            throughput=dict(messages_per_second=round(rate, 1), mib_per_second=round(rate * self.params['message_size'] / 1048576.0, 3),
                            seconds=round(seconds, 3)),
            latency_ms=checks.latency_figures(consumed['latencies_ns']),
            time_to_first_message_ms=first_ms,
        )
        if first_error:
            self.result['first_produce_error'] = first_error

    def _delete_temporary_topic(self, admin):
        if self.params['topic'] or self.params['keep_topic'] or not self.result['changed']:
            return
        try:
            admin.delete_topics([self.topic], timeout_ms=self.params['timeout'] * 1000)
        except kafka_client.KafkaError as exc:
            self.module.warn('could not delete the verification topic %s: %s' % (self.topic, kafka_client.error_message(exc)))

    def _judge(self):
        if not self.result['ok']:
            self.fail(checks.failure_message(self.result['messages'], self.result['first'], self.params['messages']))
        rate = self.result['throughput']['messages_per_second']
        if self.params['min_throughput'] is not None and rate < self.params['min_throughput']:
            self.fail('throughput %.1f messages/s is below min_throughput %.1f' % (rate, self.params['min_throughput']))
        p99 = self.result['latency_ms']['p99']
        if self.params['max_p99_latency_ms'] is not None and p99 is not None and p99 > self.params['max_p99_latency_ms']:
            self.fail('p99 latency %.1f ms is above max_p99_latency_ms %.1f' % (p99, self.params['max_p99_latency_ms']))
        self.module.exit_json(**self.result)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), required_if=kafka_client.CONNECTION_REQUIRED_IF, supports_check_mode=True)
    problems = invalid_options(module.params)
    if problems:
        module.fail_json(msg='kafka_verify: ' + '; '.join(problems))
    kafka_client.require_kafka(module)
    codec = missing_codec(module.params['compression'])
    if codec:
        module.fail_json(msg='compression %s needs its Python library on the host running the module (python-snappy, lz4 or zstandard)' % codec)
    Verification(module).run()


if __name__ == '__main__':
    main()
