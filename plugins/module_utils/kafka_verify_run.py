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
    from kafka.admin import ConfigResource, NewTopic
    from kafka.errors import UnknownTopicOrPartitionError
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


def topic_message_limit(admin, name):
    """The most bytes the topic accepts in one record batch (its max.message.bytes)."""
    resource = ConfigResource('TOPIC', name, ['max.message.bytes'])
    return int(admin.describe_configs([resource], config_filter='all')['topic'][name]['max.message.bytes']['value'])


def broker_message_limit(admin, broker_ids):
    """What a topic created now accepts in one record batch: the smallest message.max.bytes of the brokers."""
    resources = [ConfigResource('BROKER', str(broker_id), ['message.max.bytes']) for broker_id in broker_ids]
    described = admin.describe_configs(resources, config_filter='all')['broker']
    return min(int(entries['message.max.bytes']['value']) for entries in described.values())


def group_exists(admin, group_id):
    return any(group['group_id'] == group_id for group in admin.list_groups())


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


def consume(connection, client_kwargs, run_id, messages, topic, partitions, group_id, timeout):
    """Child process: read this run's records, check each one, report a summary."""
    tally = checks.Tally(run_id, messages)
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

    def __init__(self, client_kwargs, run_id, messages, topic, partitions, group_id, timeout):
        context = multiprocessing.get_context('fork')
        self.connection, child = context.Pipe()
        self.timeout = timeout
        self.process = context.Process(target=consume, args=(child, client_kwargs, run_id, messages, topic, partitions, group_id, timeout))
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


class Acknowledgements(object):
    """What the brokers acknowledged, from the producer's callbacks: one bit per message, and
    the first error. The futures themselves are not kept, so memory does not grow with the count."""

    def __init__(self, messages):
        self.acknowledged = checks.SequenceSet(messages)
        self.first_error = None

    def success(self, sequence, metadata):
        self.acknowledged.add(sequence)

    def failure(self, sequence, exception):
        if self.first_error is None:
            self.first_error = '%s: %s' % (type(exception).__name__, exception)


def produce(client_kwargs, options, run_id, topic, partitions, max_batch_bytes, timeout):
    """Send the messages; return (Acknowledgements, first_send_ns, seconds). Batches stay
    within max_batch_bytes, the most the topic accepts in one batch."""
    producer = KafkaProducer(**dict(
        client_kwargs,
        acks=options['acks'] if options['acks'] == 'all' else int(options['acks']),
        enable_idempotence=options['idempotent'],
        compression_type=None if options['compression'] == 'none' else options['compression'],
        linger_ms=options['linger_ms'],
        batch_size=min(max(16384, options['message_size'] * 16), max_batch_bytes),
        max_request_size=max_batch_bytes,
        max_block_ms=int(timeout * 1000),
    ))
    padding = checks.padding_for(options['message_size'])
    acks = Acknowledgements(options['messages'])
    try:
        started = time.monotonic()
        first_send_ns = time.time_ns()
        deadline = started + timeout
        for sequence in range(options['messages']):
            if time.monotonic() > deadline:
                break
            key, partition = message_routing(options['key_strategy'], sequence, partitions)
            value = checks.encode(run_id, sequence, time.time_ns(), padding)
            future = producer.send(topic, value=value, key=key, partition=partition)
            future.add_callback(acks.success, sequence).add_errback(acks.failure, sequence)
        producer.flush(timeout=max(1.0, deadline - time.monotonic()))
        seconds = time.monotonic() - started
    finally:
        producer.close(timeout=5)
    return acks, first_send_ns, seconds


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
    if params['messages'] > checks.MAX_MESSAGES:
        problems.append('messages must be at most %d (got %d): run several verifications for more' % (checks.MAX_MESSAGES, params['messages']))
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
        if self.params['topic']:
            partitions = self._existing_partitions(admin)
            limit = topic_message_limit(admin, self.topic)
            self._refuse_oversized(limit, 'topic %s accepts (its max.message.bytes is %d)' % (self.topic, limit))
        else:
            partitions = self.params['partitions']
            replication = self._temporary_replication(len(brokers))
            limit = broker_message_limit(admin, [broker['node_id'] for broker in brokers])
            self._refuse_oversized(limit, 'a new topic accepts (the brokers\' message.max.bytes is %d)' % limit)
            if topic_partitions(admin, self.topic) is not None:
                self.fail('topic %s already exists: a run id is used once; omit run_id or give a new one' % self.topic)
        if self.group_id and group_exists(admin, self.group_id):
            self.fail('consumer group %s already exists: kafka_verify joins and commits only a group it creates for the run; '
                      'omit group_id, name a group that does not exist, or use consume_mode: assign' % self.group_id)
        if self.client.check_mode:
            return self.result
        try:
            if not self.params['topic']:
                self._create_temporary_topic(admin, replication)
            self._produce_and_consume(partitions, limit)
        finally:
            self._delete_temporary_topic(admin)
        self._judge()
        return self.result

    def _existing_partitions(self, admin):
        partitions = topic_partitions(admin, self.topic)
        if partitions is None:
            self.fail('topic %s does not exist; create it first or omit topic to use a temporary one' % self.topic)
        return partitions

    def _refuse_oversized(self, limit, accepted):
        largest = limit - checks.RECORD_OVERHEAD
        if self.params['message_size'] > largest:
            self.fail('message_size %d is more than %s: at most %d bytes per message, with the record framing'
                      % (self.params['message_size'], accepted, largest))

    def _temporary_replication(self, broker_count):
        replication = self.params['replication_factor'] or min(3, broker_count)
        if replication > broker_count:
            self.fail('replication_factor %d is more than the %d brokers in the cluster' % (replication, broker_count))
        return replication

    def _create_temporary_topic(self, admin, replication):
        temporary = self.result['temporary_topic'] = dict(created=False, deleted=False)
        try:
            create_topic(admin, self.topic, self.params['partitions'], replication, self.params['timeout'])
        except KafkaError as exc:
            # A request that failed (timed out, say) may have created the topic all the same, and
            # the topic did not exist before the run: remove whatever there is, then fail.
            temporary['created'] = True
            self._delete_temporary_topic(admin)
            self.result['changed'] = temporary['created']
            self._creation_failed(exc)
        temporary['created'] = self.result['changed'] = True
        try:
            wait_for_partitions(admin, self.topic, self.params['partitions'], self.params['timeout'])
        except VerifyError as exc:
            self._creation_failed(exc)

    def _creation_failed(self, exc):
        self.fail('cannot create the verification topic %s: %s' % (self.topic, error_message(exc)))

    def _produce_and_consume(self, partitions, max_batch_bytes):
        client = client_kwargs(self.params)
        timeout = self.params['timeout']
        consumer = ConsumerProcess(client, self.run_id, self.params['messages'], self.topic, partitions, self.group_id, timeout)
        try:
            consumer.wait_ready()
            produced = produce(client, self.params, self.run_id, self.topic, partitions, max_batch_bytes, timeout)
            consumer.expect(len(produced[0].acknowledged))
            consumed = consumer.summary()
        except (VerifyError, KafkaError) as exc:
            self.fail('Kafka verification of %s could not complete: %s' % (self.topic, error_message(exc)))
        finally:
            consumer.stop()
        self._record(produced, consumed)

    def _record(self, produced, consumed):
        acks, first_send_ns, seconds = produced
        acknowledged = acks.acknowledged
        ok, counts, first = checks.verdict(acknowledged, consumed)
        counts.update(requested=self.params['messages'], acknowledged=len(acknowledged), consumed=len(consumed['seen']), foreign=consumed['foreign'])
        rate = len(acknowledged) / seconds if seconds > 0 else 0.0
        first_ms = None
        if consumed['first_received_ns'] is not None:
            first_ms = round((consumed['first_received_ns'] - first_send_ns) / 1e6, 3)
        self.result.update(
            ok=ok, messages=counts, first=first,
            throughput=dict(messages_per_second=round(rate, 1), mib_per_second=round(rate * self.params['message_size'] / 1048576.0, 3),
                            seconds=round(seconds, 3)),
            latency_ms=checks.latency_figures(consumed['latencies']),
            time_to_first_message_ms=first_ms,
        )
        if acks.first_error:
            self.result['first_produce_error'] = acks.first_error

    def _delete_temporary_topic(self, admin):
        """On every way out of the run once the topic may exist, failures included."""
        temporary = self.result.get('temporary_topic')
        if not temporary or not temporary['created'] or temporary['deleted'] or self.params['keep_topic']:
            return
        try:
            admin.delete_topics([self.topic], timeout_ms=self.params['timeout'] * 1000)
            temporary['deleted'] = True
        except UnknownTopicOrPartitionError:
            temporary['created'] = self.result['changed'] = False  # the failed creation created nothing
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
