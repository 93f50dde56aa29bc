# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One kafka_verify run: metadata, topic, a consumer in a child process, the producer.

The consumer runs in a forked process so that checking every record does not compete with
the producer for the interpreter lock; it sends back a small summary (kafka_verify_checks).
Every phase has a deadline; nothing here waits without one.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import multiprocessing
import socket
import time

from ansible_collections.eda.platform.plugins.module_utils import kafka_verify_checks as checks

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
except ImportError:
    pass  # kafka_client.require_kafka() has already failed the module with the hint

READY, STOP = 'ready', 'stop'
POLL_MS = 200


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
