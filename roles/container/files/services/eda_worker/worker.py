# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The listener: consume, hand each event to the handler, produce its output, commit what is finished.

One thread drives everything. confluent-kafka runs delivery reports and rebalance callbacks
inside poll(), consume(), flush() and close(), all called from this thread, so the offset
tracker needs no lock. At-least-once: an event's offset is committed only once the handler
returned and Kafka acknowledged every record produced for it (output or dead letter); a crash
before that means the event is handled again by whoever owns its partition next.
"""

import functools
import logging
import time

import confluent_kafka

from eda_worker import failures, handlers
from eda_worker.clients import consumer_settings, producer_settings
from eda_worker.events import Event, outputs_of
from eda_worker.metrics import Metrics
from eda_worker.offsets import OffsetTracker

LOG = logging.getLogger('eda_worker')
BATCH = 500
POLL_SECONDS = 0.5
# While waiting (backoff, a full queue), delivery reports are served this often.
SERVE_SECONDS = 0.1
WARNING_SECONDS = 30


class Stopping(Exception):
    """A stop was asked for while an event waited to be retried: it stays unfinished, uncommitted."""


def event_of(message, worker_id):
    kind, timestamp = message.timestamp()
    return Event(message.topic(), message.partition(), message.offset(), message.key(), message.value(), message.headers() or [],
                 None if kind == confluent_kafka.TIMESTAMP_NOT_AVAILABLE else timestamp, time.time(), worker_id)


def partition_keys(partitions):
    return set((tp.topic, tp.partition) for tp in partitions)


class Worker(object):
    def __init__(self, config, consumer_factory=confluent_kafka.Consumer, producer_factory=confluent_kafka.Producer):
        self.config = config
        self.topics = config['topics']
        self.worker_id = config['worker_id']
        self.handler_name = config['handler']['function']
        self.handler = handlers.load(self.handler_name, config['handler']['path'])
        retries = config['retries']
        self.delays = failures.backoff_delays(retries['count'], retries['backoff_s'], retries['backoff_max_s'])
        kafka = config['kafka']
        # librdkafka gives up on a record after delivery_timeout_ms: flushing longer than that waits for nothing.
        self.flush_seconds = kafka['delivery_timeout_ms'] / 1000.0 + 5
        self.stall_seconds = kafka['max_poll_interval_ms'] / 1000.0
        self.tracker = OffsetTracker()
        self.assigned = set()
        self.stopping = False
        self.failure = None
        self.last_turn = time.monotonic()
        self.last_commit = time.monotonic()
        self.last_warning = (None, 0.0)
        self.metrics = Metrics(unfinished=lambda: self.tracker.unfinished, assigned=lambda: len(self.assigned))
        self.consumer = consumer_factory(dict(consumer_settings(kafka), error_cb=self.on_kafka_error, on_commit=self.on_commit))
        self.producer = producer_factory(dict(producer_settings(kafka), error_cb=self.on_kafka_error))

    # --- lifecycle

    def run(self):
        """Until stop() or a failure; 0 after a clean stop, 1 after a failure."""
        self.consumer.subscribe(self.topics['input'], on_assign=self.on_assign, on_revoke=self.on_revoke, on_lost=self.on_lost)
        LOG.info('worker %s in group %s: %s -> %s (dead letters: %s), handler %s', self.worker_id, self.config['kafka']['group_id'],
                 ', '.join(self.topics['input']), self.topics['output'], self.topics['dead_letter'], self.handler_name)
        try:
            while not self.stopping and self.failure is None:
                self.turn()
        finally:
            self.shut_down()
        return 0 if self.failure is None else 1

    def stop(self):
        """Called from the signal handler: the current event is finished first."""
        self.stopping = True

    def shut_down(self):
        LOG.info('stopping: waiting for %d unfinished event(s)', self.tracker.unfinished)
        left = self.producer.flush(self.flush_seconds)
        if left:
            LOG.warning('%d record(s) not acknowledged by Kafka: their events stay uncommitted', left)
        self.commit(asynchronous=False)
        # close() leaves the group, so its partitions move to the other members at once rather than
        # after the session timeout.
        self.consumer.close()
        LOG.info('stopped%s', ': %s' % self.failure if self.failure else '')

    def fail(self, reason):
        if self.failure is None:
            LOG.error('stopping on a failure: %s', reason)
            self.failure = reason

    def health(self):
        """(ok, reason) for /health: the loop turns and nothing failed."""
        if self.failure:
            return False, 'failed: %s' % self.failure
        idle = time.monotonic() - self.last_turn
        if idle > self.stall_seconds:
            return False, 'the poll loop has not turned for %.0fs' % idle
        return True, 'ok: %d partition(s) assigned, %d unfinished event(s)' % (len(self.assigned), self.tracker.unfinished)

    # --- the loop

    def turn(self):
        self.last_turn = time.monotonic()
        self.wait_for_room()
        for message in self.consumer.consume(num_messages=BATCH, timeout=POLL_SECONDS):
            if self.stopping or self.failure:
                break  # the rest of the batch stays uncommitted: the partition's next owner reads it again
            if message.error():
                self.on_kafka_error(message.error())
            else:
                self.handle(event_of(message, self.worker_id))
        self.producer.poll(0)
        if time.monotonic() - self.last_commit >= self.config['commit_interval_s']:
            self.commit(asynchronous=True)

    def wait_for_room(self):
        """Hold consumption while too many events wait for Kafka's acknowledgements."""
        while self.tracker.unfinished >= self.config['max_unfinished_events'] and not (self.stopping or self.failure):
            self.producer.poll(SERVE_SECONDS)

    def pause(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.stopping:
                raise Stopping()
            self.producer.poll(min(SERVE_SECONDS, max(0.0, deadline - time.monotonic())))
            self.last_turn = time.monotonic()

    # --- one event

    def handle(self, event):
        pending = self.tracker.begin(event)
        try:
            outputs = self.attempt(event, pending)
        except Stopping:
            return
        except Exception as exc:  # noqa: BLE001 - whatever the handler raised, after its retries
            self.dead_letter(pending, exc)
        else:
            self.metrics.handled.labels(event.topic).inc()
            for output in outputs:
                self.produce_output(pending, output)
        self.tracker.seal(pending)

    def attempt(self, event, pending):
        """The handler's outputs; its last error once the retries are used up (at once when permanent)."""
        while True:
            pending.attempts += 1
            try:
                return self.call_handler(event)
            except Exception as exc:  # noqa: BLE001 - a handler may raise anything
                self.metrics.failures.labels(failures.error_class(exc)).inc()
                if not failures.should_retry(exc, pending.attempts, self.delays):
                    raise
                delay = self.delays[pending.attempts - 1]
                LOG.info('%r attempt %d failed (%s: %s); retrying in %.1fs', event, pending.attempts, failures.error_class(exc), exc, delay)
                self.metrics.retries.labels(event.topic).inc()
            self.pause(delay)

    def call_handler(self, event):
        started = time.monotonic()
        try:
            return outputs_of(self.handler(event))
        finally:
            self.metrics.handler_latency.observe(time.monotonic() - started)

    def produce_output(self, pending, output):
        self.tracker.produced(pending)
        delivered = functools.partial(self.output_delivered, pending, time.monotonic())
        try:
            self.send(output.topic or self.topics['output'], output.key, output.value, output.headers, delivered)
        except confluent_kafka.KafkaException as exc:
            self.undelivered(pending, exc.args[0])

    def dead_letter(self, pending, error):
        event = pending.event
        LOG.warning('%r goes to %s after %d attempt(s): %s: %s', event, self.topics['dead_letter'], pending.attempts,
                    failures.error_class(error), failures.error_message(error))
        pending.dead_lettered = True
        self.tracker.produced(pending)
        headers = failures.dead_letter_headers(event, error, self.handler_name, pending.attempts)
        try:
            self.send(self.topics['dead_letter'], event.key, event.value, headers, functools.partial(self.dead_letter_delivered, pending))
        except confluent_kafka.KafkaException as exc:
            self.fail('dead-letter record for %r refused: %s' % (event, exc))

    def send(self, topic, key, value, headers, on_delivery):
        while True:
            try:
                self.producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                return
            except BufferError:
                # librdkafka's queue is full: serve delivery reports until there is room.
                self.producer.poll(SERVE_SECONDS)

    # --- delivery reports

    def output_delivered(self, pending, started, error, message):
        if error is not None:
            self.undelivered(pending, error)
            return
        self.metrics.produce_latency.observe(time.monotonic() - started)
        self.tracker.acknowledged(pending)

    def undelivered(self, pending, error):
        """An output record Kafka did not take: dead-letter the event when the record itself is refused, else stop."""
        if not failures.is_record_refusal(error):
            self.fail('output record for %r not acknowledged: %s (%s)' % (pending.event, error.str(), error.name()))
            return
        if not pending.dead_lettered:
            self.dead_letter(pending, failures.RecordRefused(error))
        self.tracker.acknowledged(pending)

    def dead_letter_delivered(self, pending, error, message):
        if error is not None:
            self.fail('dead-letter record for %r not acknowledged: %s (%s)' % (pending.event, error.str(), error.name()))
            return
        self.metrics.dead_lettered.labels(pending.event.topic).inc()
        self.tracker.acknowledged(pending)

    # --- offsets and the group

    def commit(self, partitions=None, asynchronous=True):
        points = self.tracker.to_commit(partitions)
        self.last_commit = time.monotonic()
        if not points:
            return
        offsets = [confluent_kafka.TopicPartition(topic, partition, offset) for topic, partition, offset in points]
        try:
            if asynchronous:
                self.consumer.commit(offsets=offsets, asynchronous=True)  # answered in on_commit
            else:
                self.confirm(self.consumer.commit(offsets=offsets, asynchronous=False))
        except confluent_kafka.KafkaException as exc:
            # The offsets stay due: the next commit sends them (or later ones) again.
            LOG.warning('commit of %s failed: %s', ', '.join('%s-%d@%d' % point for point in points), exc)

    def on_commit(self, error, partitions):
        if error is not None:
            # Nothing is confirmed; the offsets stay due for the next commit.
            LOG.warning('commit failed: %s', error)
            return
        self.confirm(partitions)

    def confirm(self, partitions):
        for tp in partitions or []:
            if tp.error is None and tp.offset >= 0:
                self.tracker.committed(tp.topic, tp.partition, tp.offset)

    def on_assign(self, consumer, partitions):
        self.assigned |= partition_keys(partitions)
        for topic in {tp.topic for tp in partitions}:
            self.metrics.know_topic(topic)
        LOG.info('assigned %s (%d in all)', ', '.join('%s-%d' % key for key in sorted(partition_keys(partitions))) or 'nothing new', len(self.assigned))

    def on_revoke(self, consumer, partitions):
        """Finish and commit what was handled on the partitions leaving, so their next owner starts after it."""
        keys = partition_keys(partitions)
        self.producer.flush(self.flush_seconds)
        self.commit(keys, asynchronous=False)
        self.tracker.forget(keys)
        self.assigned -= keys
        LOG.info('revoked %s', ', '.join('%s-%d' % key for key in sorted(keys)) or 'nothing')

    def on_lost(self, consumer, partitions):
        # Another member owns them already (this one was evicted): a commit would be refused.
        keys = partition_keys(partitions)
        self.tracker.forget(keys)
        self.assigned -= keys
        LOG.warning('lost %s: the group evicted this worker', ', '.join('%s-%d' % key for key in sorted(keys)))

    def on_kafka_error(self, error):
        if error.fatal():
            self.fail('%s (%s)' % (error.str(), error.name()))
            return
        # librdkafka repeats a connection failure at every reconnect attempt: log each kind once a while.
        now = time.monotonic()
        if self.last_warning[0] != error.name() or now - self.last_warning[1] > WARNING_SECONDS:
            self.last_warning = (error.name(), now)
            LOG.warning('kafka: %s', error.str())
