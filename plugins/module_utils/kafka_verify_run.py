# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One kafka_verify run: metadata, topic, a consumer in a child process, the producer.

Verification is the module's manager (kafka_client.AnsibleKafkaModule.run): it refuses a
bad request before any connection, and its run(admin) returns the result, or raises
ModuleFailure with the result so far. C(changed) is true when, and only when, the run
created its temporary topic (reported in temporary_topic, deleted again unless kept).

The consumer runs in a forked process so that checking every record does not compete with
the producer for the interpreter lock; it sends back a small summary (kafka_verify_checks).
Every phase has a deadline; nothing here waits without one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import multiprocessing
import socket
import time
import uuid

from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import (
    KafkaError, ModuleFailure, client_kwargs, error_message)

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
except ImportError:
    pass  # AnsibleKafkaModule has already failed the module with the install hint

READY, STOP = 'ready', 'stop'
POLL_MS = 200
COMPRESSION_CHECKS = {'snappy': 'has_snappy', 'lz4': 'has_lz4', 'zstd': 'has_zstd'}


class VerifyError(Exception):
    """A phase could not complete: the message says which and why."""


def advertised_brokers(admin):
    """Brokers as the bootstrap metadata lists them.

    Read from the client's bootstrap metadata rather than with describe_cluster: the
    metadata arrives even when the advertised addresses cannot be reached, which is exactly
    the mistake the reachability check must be able to report.
    """
    brokers = admin._client.cluster.brokers()  # pylint: disable=protected-access
    return sorted((dict(node_id=broker.node_id, host=broker.host, port=broker.port) for broker in brokers), key=lambda broker: broker['node_id'])


def controller_id(admin):
    return admin.describe_cluster().get('controller_id')


def unreachable(brokers, timeout):
    """Brokers whose advertised address does not accept a TCP connection: clients would fail there."""
    failed = []
    for broker in brokers:
        try:
            socket.create_connection((broker['host'], broker['port']), timeout=timeout).close()
        except (OSError, socket.timeout) as exc:
            failed.append('%s:%s (node %s): %s' % (broker['host'], broker['port'], broker['node_id'], exc))
    return failed


def create_topic(admin, name, partitions, replication_factor, timeout):
    admin.create_topics([NewTopic(name, partitions, replication_factor)], timeout_ms=int(timeout * 1000))


def wait_for_partitions(admin, name, partitions, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = admin.describe_topics([name])
        if described and not described[0].get('error_code') and len(described[0].get('partitions') or []) == partitions:
            return
        time.sleep(0.2)
    raise VerifyError('topic %s was created but its %d partitions did not appear within %ss' % (name, partitions, timeout))


def topic_partitions(admin, name):
    described = admin.describe_topics([name])
    if not described or described[0].get('error_code'):
        return None
    return len(described[0]['partitions'])


def _consumer(client_kwargs, group_id):
    options = dict(client_kwargs, enable_auto_commit=False, auto_offset_reset='latest', fetch_max_wait_ms=100)
    if group_id:
        options['group_id'] = group_id
    return KafkaConsumer(**options)


def _start_at_end(consumer, topic, partitions, group_id, deadline):
    """Read only what this run produces: position every partition at its current end."""
    wanted = [TopicPartition(topic, partition) for partition in range(partitions)]
    if group_id:
        consumer.subscribe([topic])
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise VerifyError('consumer group %s got no partition of %s assigned in time' % (group_id, topic))
            consumer.poll(timeout_ms=POLL_MS)
        wanted = list(consumer.assignment())
    else:
        consumer.assign(wanted)
    consumer.seek_to_end(*wanted)
    for partition in wanted:
        consumer.position(partition)


def consume(connection, client_kwargs, run_id, topic, partitions, group_id, timeout):
    """Child process: read this run's records, check each one, report a summary."""
    tally = checks.Tally(run_id)
    consumer = None
    try:
        deadline = time.monotonic() + timeout
        consumer = _consumer(client_kwargs, group_id)
        _start_at_end(consumer, topic, partitions, group_id, deadline)
        connection.send(READY)
        expected = None
        while True:
            if expected is None and connection.poll():
                expected = connection.recv()
                deadline = time.monotonic() + timeout  # the consume phase's own deadline starts now
            if expected is not None and len(tally.seen) >= expected:
                # One more short poll catches duplicates that arrive right after the last record.
                _drain(consumer, tally, POLL_MS)
                break
            if time.monotonic() > deadline:
                break
            _drain(consumer, tally, POLL_MS)
        if group_id:
            consumer.commit()
        connection.send(('done', tally.summary()))
    except Exception as exc:  # pylint: disable=broad-except
        # Whatever went wrong must reach the parent as a message, never as a hang.
        connection.send(('error', '%s: %s' % (type(exc).__name__, exc)))
    finally:
        if consumer is not None:
            consumer.close()
        connection.close()


def _drain(consumer, tally, timeout_ms):
    batches = consumer.poll(timeout_ms=timeout_ms)
    received_ns = time.time_ns()
    for partition, records in batches.items():
        for record in records:
            tally.add(partition.partition, record.offset, record.value, received_ns)


class ConsumerProcess(object):
    """The forked consumer and the pipe to it."""

    def __init__(self, client_kwargs, run_id, topic, partitions, group_id, timeout):
        context = multiprocessing.get_context('fork')
        self.connection, child = context.Pipe()
        self.timeout = timeout
        self.process = context.Process(target=consume, args=(child, client_kwargs, run_id, topic, partitions, group_id, timeout))
        self.process.daemon = True
        self.process.start()
        child.close()

    def wait_ready(self):
        message = self._receive(self.timeout, 'get its partitions')
        if message != READY:
            raise VerifyError('the consumer could not start: %s' % message[1])

    def expect(self, count):
        self.connection.send(count)

    def summary(self):
        status, payload = self._receive(self.timeout + 10, 'finish reading')
        if status == 'error':
            raise VerifyError('the consumer failed: %s' % payload)
        return payload

    def _receive(self, timeout, doing):
        if not self.connection.poll(timeout):
            self.stop()
            raise VerifyError('the consumer did not %s within %ss' % (doing, timeout))
        try:
            return self.connection.recv()
        except EOFError:
            raise VerifyError('the consumer process ended without a report (exit code %s)' % self.process.exitcode)

    def stop(self):
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)


def produce(client_kwargs, options, run_id, topic, partitions, timeout):
    """Send the messages; return (acknowledged, unacknowledged, first_send_ns, seconds, first_error)."""
    producer = KafkaProducer(**dict(
        client_kwargs,
        acks=options['acks'] if options['acks'] == 'all' else int(options['acks']),
        enable_idempotence=options['idempotent'],
        compression_type=None if options['compression'] == 'none' else options['compression'],
        linger_ms=options['linger_ms'],
        batch_size=max(16384, options['message_size'] * 16),
        max_block_ms=int(timeout * 1000),
    ))
    padding = checks.padding_for(options['message_size'])
    futures = []
    try:
        started = time.monotonic()
        first_send_ns = time.time_ns()
        deadline = started + timeout
        for sequence in range(options['messages']):
            if time.monotonic() > deadline:
                break
            key, partition = message_routing(options['key_strategy'], sequence, partitions)
            value = checks.encode(run_id, sequence, time.time_ns(), padding)
            futures.append(producer.send(topic, value=value, key=key, partition=partition))
        producer.flush(timeout=max(1.0, deadline - time.monotonic()))
        seconds = time.monotonic() - started
    finally:
        producer.close(timeout=5)
    acknowledged, unacknowledged, first_error = set(), set(range(len(futures), options['messages'])), None
    for sequence, future in enumerate(futures):
        if future.is_done and future.succeeded():
            acknowledged.add(sequence)
        else:
            unacknowledged.add(sequence)
            if first_error is None and future.is_done:
                first_error = '%s: %s' % (type(future.exception).__name__, future.exception)
    return acknowledged, unacknowledged, first_send_ns, seconds, first_error


def message_routing(strategy, sequence, partitions):
    """(key, partition) of a message: round robin without keys, or keyed by the default partitioner."""
    if strategy == 'none':
        return None, sequence % partitions
    if strategy == 'sequence':
        return str(sequence).encode(), None
    return str(sequence % 16).encode(), None  # 'hot': few keys, several messages per key


def request_errors(params):
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
    """The manager of kafka_verify: one run, one result."""

    def __init__(self, client):
        self.client = client
        self.params = params = client.params
        problems = request_errors(params)
        if problems:
            raise ModuleFailure('kafka_verify: ' + '; '.join(problems))
        codec = missing_codec(params['compression'])
        if codec:
            raise ModuleFailure('compression %s needs its Python library on the host running the module (python-snappy, lz4 or zstandard)' % codec)
        self.run_id = binascii.unhexlify(params['run_id']) if params['run_id'] else uuid.uuid4().bytes
        run_hex = binascii.hexlify(self.run_id).decode()
        self.topic = params['topic'] or 'eda-verify-%s' % run_hex
        self.group_id = (params['group_id'] or 'eda-verify-%s' % run_hex) if params['consume_mode'] == 'group' else None
        self.result = dict(changed=False, run_id=run_hex, topic=self.topic, group_id=self.group_id)

    def fail(self, msg):
        raise ModuleFailure(msg, **self.result)

    def run(self, admin):
        brokers = advertised_brokers(admin)
        self.result['brokers'] = brokers
        failed = unreachable(brokers, self.params['connect_timeout'])
        if failed:
            self.fail('Kafka answers at %s, but clients cannot reach these advertised brokers: %s'
                      % (', '.join(self.params['bootstrap_servers']), '; '.join(failed)))
        self.result['controller_id'] = controller_id(admin)
        partitions = self._existing_partitions(admin) if self.params['topic'] else self.params['partitions']
        if self.client.check_mode:
            return self.result
        try:
            if not self.params['topic']:
                self._create_temporary_topic(admin, len(brokers))
            self._produce_and_consume(partitions)
        finally:
            self._delete_temporary_topic(admin)
        self._judge()
        return self.result

    def _existing_partitions(self, admin):
        partitions = topic_partitions(admin, self.topic)
        if partitions is None:
            self.fail('topic %s does not exist; create it first or omit topic to use a temporary one' % self.topic)
        return partitions

    def _create_temporary_topic(self, admin, broker_count):
        temporary = self.result['temporary_topic'] = dict(created=False, deleted=False)
        replication = self.params['replication_factor'] or min(3, broker_count)
        if replication > broker_count:
            self.fail('replication_factor %d is more than the %d brokers in the cluster' % (replication, broker_count))
        try:
            create_topic(admin, self.topic, self.params['partitions'], replication, self.params['timeout'])
            temporary['created'] = self.result['changed'] = True
            wait_for_partitions(admin, self.topic, self.params['partitions'], self.params['timeout'])
        except (VerifyError, KafkaError) as exc:
            self.fail('cannot create the verification topic %s: %s' % (self.topic, error_message(exc)))

    def _produce_and_consume(self, partitions):
        client = client_kwargs(self.params)
        timeout = self.params['timeout']
        consumer = ConsumerProcess(client, self.run_id, self.topic, partitions, self.group_id, timeout)
        try:
            consumer.wait_ready()
            produced = produce(client, self.params, self.run_id, self.topic, partitions, timeout)
            consumer.expect(len(produced[0]))
            consumed = consumer.summary()
        except (VerifyError, KafkaError) as exc:
            self.fail('Kafka verification of %s could not complete: %s' % (self.topic, error_message(exc)))
        finally:
            consumer.stop()
        self._record(produced, consumed)

    def _record(self, produced, consumed):
        acknowledged, unacknowledged, first_send_ns, seconds, first_error = produced
        ok, counts, first = checks.verdict(acknowledged, unacknowledged, consumed)
        counts.update(requested=self.params['messages'], acknowledged=len(acknowledged), consumed=len(consumed['seen']), foreign=consumed['foreign'])
        rate = len(acknowledged) / seconds if seconds > 0 else 0.0
        first_ms = None
        if consumed['first_received_ns'] is not None:
            first_ms = round((consumed['first_received_ns'] - first_send_ns) / 1e6, 3)
        self.result.update(
            ok=ok, messages=counts, first=first,
            throughput=dict(messages_per_second=round(rate, 1), mib_per_second=round(rate * self.params['message_size'] / 1048576.0, 3),
                            seconds=round(seconds, 3)),
            latency_ms=checks.latency_figures(consumed['latencies_ns']),
            time_to_first_message_ms=first_ms,
        )
        if first_error:
            self.result['first_produce_error'] = first_error

    def _delete_temporary_topic(self, admin):
        temporary = self.result.get('temporary_topic')
        if not temporary or not temporary['created'] or self.params['keep_topic']:
            return
        try:
            admin.delete_topics([self.topic], timeout_ms=self.params['timeout'] * 1000)
            temporary['deleted'] = True
        except KafkaError as exc:
            self.client.warn('could not delete the verification topic %s: %s' % (self.topic, error_message(exc)))

    def _judge(self):
        if not self.result['ok']:
            self.fail(checks.failure_message(self.result['messages'], self.result['first'], self.params['messages']))
        rate = self.result['throughput']['messages_per_second']
        if self.params['min_throughput'] is not None and rate < self.params['min_throughput']:
            self.fail('throughput %.1f messages/s is below min_throughput %.1f' % (rate, self.params['min_throughput']))
        p99 = self.result['latency_ms']['p99']
        if self.params['max_p99_latency_ms'] is not None and p99 is not None and p99 > self.params['max_p99_latency_ms']:
            self.fail('p99 latency %.1f ms is above max_p99_latency_ms %.1f' % (p99, self.params['max_p99_latency_ms']))
