# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Kafka side: a confluent-kafka (librdkafka) producer, acks=all and idempotent, bridged to asyncio.

librdkafka batches and sends on its own threads; delivery reports come out of poll(), which a
dedicated thread calls. That thread collects the finished requests of each poll and hands them to
the event loop in one call, so the loop is woken once per poll, not once per record. Topic metadata
is fetched every few seconds (off the loop); it answers "does this topic exist, how many partitions"
and its age tells /ready whether Kafka is reachable.
"""

import asyncio
import concurrent.futures
import functools
import logging
import threading
import time

import confluent_kafka

from eda_common.librdkafka import connection_settings

LOG = logging.getLogger('eda_gateway.producer')
POLL_SECONDS = 0.05
ON_DEMAND_REFRESH_SECONDS = 1.0
# librdkafka's queue is sized above the gateway's own bound, so it never refuses an accepted record.
QUEUE_MARGIN = 2
MAX_QUEUE_KBYTES = 2097151
WARNING_SECONDS = 30


def producer_settings(kafka, limits):
    return dict(connection_settings(kafka), **{
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': kafka['linger_ms'],
        'message.timeout.ms': kafka['delivery_timeout_ms'],
        'queue.buffering.max.messages': limits['max_inflight_records'] * QUEUE_MARGIN,
        'queue.buffering.max.kbytes': min(MAX_QUEUE_KBYTES, limits['max_inflight_bytes'] * QUEUE_MARGIN // 1024 + 1),
        # The gateway answers 404 for a topic it does not know; producing must never create one.
        'allow.auto.create.topics': False,
    })


def delivery_entry(error, partition, offset):
    """One entry of the answer's "offsets": {"partition", "offset"} or {"error_code", "message"}."""
    if error is None:
        return {'partition': partition, 'offset': offset}
    code = 503 if error.retriable() else 500
    return {'error_code': code, 'message': 'Kafka did not acknowledge the record: %s (%s)' % (error.str(), error.name())}


class Batch(object):
    """The records of one request: done when Kafka answered every one of them."""

    __slots__ = ('offsets', 'remaining', 'future')

    def __init__(self, count, future):
        self.offsets = [None] * count
        self.remaining = count
        self.future = future


class Producer(object):
    def __init__(self, kafka, limits, producer_factory=confluent_kafka.Producer):
        self.kafka = kafka
        self.producer = producer_factory(dict(producer_settings(kafka, limits), error_cb=self.on_error))
        self.loop = None
        self.finished = []
        self.lock = threading.Lock()
        self.running = False
        self.thread = None
        self.metadata_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix='metadata')
        self.topics = {}
        self.metadata_at = None
        self.metadata_error = 'no metadata fetched yet'
        self.refreshing = None
        self.fatal = None
        self.last_warning = (None, 0.0)
        self.refresher = None

    # --- lifecycle

    async def start(self):
        self.loop = asyncio.get_running_loop()
        self.running = True
        self.thread = threading.Thread(target=self.poll_forever, name='delivery-reports', daemon=True)
        self.thread.start()
        self.refresher = asyncio.ensure_future(self.refresh_forever())

    async def close(self, timeout):
        """Wait for every record to be answered (up to timeout), then stop the threads."""
        if self.refresher is not None:
            self.refresher.cancel()
        left = await self.loop.run_in_executor(None, self.producer.flush, timeout)
        if left:
            LOG.warning('%d record(s) still unacknowledged at shutdown', left)
        self.running = False
        await self.loop.run_in_executor(None, self.thread.join)
        self.metadata_pool.shutdown(wait=False)

    def on_error(self, error):
        # Called from poll(): librdkafka reports connection trouble here too; only fatal errors
        # (e.g. the idempotent producer's sequence lost) make the producer unusable.
        if error.fatal():
            self.fatal = '%s (%s)' % (error.str(), error.name())
            LOG.error('fatal producer error: %s', self.fatal)
            return
        # librdkafka repeats a connection failure at every reconnect attempt: log each kind once a while.
        now = time.monotonic()
        if self.last_warning[0] != error.name() or now - self.last_warning[1] > WARNING_SECONDS:
            self.last_warning = (error.name(), now)
            LOG.warning('producer: %s', error.str())

    # --- delivery reports

    def poll_forever(self):
        while self.running:
            self.producer.poll(POLL_SECONDS)
            self.hand_over()
        # flush() at shutdown may have served the last reports itself.
        self.hand_over()

    def hand_over(self):
        if self.finished:
            with self.lock:
                finished, self.finished = self.finished, []
            self.loop.call_soon_threadsafe(resolve_batches, finished)

    def delivered(self, batch, index, error, message):
        # Runs on the poll thread.
        self.settle(batch, index, delivery_entry(error, message.partition(), message.offset()))

    def settle(self, batch, index, entry):
        with self.lock:
            batch.offsets[index] = entry
            batch.remaining -= 1
            if batch.remaining == 0:
                self.finished.append(batch)

    def produce(self, topic, records):
        """A future of the "offsets" list, one entry per record, once Kafka answered each."""
        future = self.loop.create_future()
        batch = Batch(len(records), future)
        for index, record in enumerate(records):
            try:
                self.producer.produce(topic, value=record.value, key=record.key, headers=record.headers,
                                      partition=-1 if record.partition is None else record.partition,
                                      on_delivery=functools.partial(self.delivered, batch, index))
            except BufferError:
                # Rare: the budget keeps librdkafka's queue from filling. The record is answered, not lost.
                self.settle(batch, index, {'error_code': 429, 'message': 'the producer queue is full'})
            except confluent_kafka.KafkaException as exc:
                self.settle(batch, index, {'error_code': 500, 'message': 'Kafka refused the record: %s' % exc})
        return future

    # --- metadata

    async def refresh_forever(self):
        while True:
            await self.refresh()
            await asyncio.sleep(self.kafka['metadata_interval_s'])

    async def refresh(self):
        """Fetch every topic's partition count; concurrent callers share one fetch."""
        if self.refreshing is None:
            self.refreshing = asyncio.ensure_future(self.fetch_metadata())
        refreshing = self.refreshing
        try:
            await asyncio.shield(refreshing)
        finally:
            if self.refreshing is refreshing and refreshing.done():
                self.refreshing = None

    async def fetch_metadata(self):
        timeout = max(1.0, self.kafka['metadata_interval_s'])
        try:
            metadata = await self.loop.run_in_executor(self.metadata_pool, functools.partial(self.producer.list_topics, timeout=timeout))
        except confluent_kafka.KafkaException as exc:
            self.metadata_error = 'metadata not fetched: %s' % exc
            return
        self.topics = dict((name, len(topic.partitions)) for name, topic in metadata.topics.items() if topic.error is None)
        self.metadata_at = time.monotonic()
        self.metadata_error = None

    async def partition_count(self, topic):
        """Partitions of the topic, None when Kafka does not know it (after one fresh look, at most one a second)."""
        if topic not in self.topics and (self.metadata_at is None or time.monotonic() - self.metadata_at > ON_DEMAND_REFRESH_SECONDS):
            await self.refresh()
        return self.topics.get(topic)

    def readiness(self):
        """(ready, reason)."""
        if self.fatal:
            return False, 'producer failed: %s' % self.fatal
        if self.metadata_at is None:
            return False, self.metadata_error
        age = time.monotonic() - self.metadata_at
        if age > self.kafka['ready_max_age_s']:
            return False, 'no metadata from Kafka for %.0fs (%s)' % (age, self.metadata_error)
        return True, 'kafka reachable, %d topics known' % len(self.topics)


def resolve_batches(batches):
    for batch in batches:
        if not batch.future.done():
            batch.future.set_result(batch.offsets)
