# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The HTTP side, an ASGI application (uvicorn serves it): POST /topics/{topic}, GET /health,
GET /ready, GET /metrics.

The order of checks is the order of the status codes a client can fix: 401 (who), 403 (may it
write there), 415 (content type), 413 (size), 422 (records), 404 (topic), 429 (room in the
buffer); only then is anything produced, and the answer comes once Kafka acknowledged every record.
"""

import asyncio
import logging
import time

from eda_gateway import records as rq
from eda_gateway.asgi import ClientGone, Request, Response
from eda_gateway.auth import AuthError, Authenticator, checked
from eda_gateway.budget import Budget
from eda_gateway.idempotency import MAX_KEY_LENGTH, IdempotencyCache, KeyReused, request_fingerprint
from eda_gateway.metrics import Metrics
from eda_gateway.producer import Producer

LOG = logging.getLogger('eda_gateway')
IDEMPOTENCY_HEADER = 'Idempotency-Key'
TOPICS = '/topics/'
# What nginx logs for a client that went away before its answer: no answer is sent, it is counted.
CLIENT_GONE = '499'


def answer(status, document, headers=None):
    return Response.json(status, document, rq.RESPONSE_TYPE, headers)


def error(status, message, headers=None):
    return answer(status, rq.error_body(status, message), headers)


class Gateway(object):
    def __init__(self, config, producer=None):
        self.config = config
        self.limits = config['limits']
        self.auth = Authenticator(config['sources'], required=config['auth']['required'], cache_size=config['auth']['cache_size'])
        self.budget = Budget(self.limits['max_inflight_records'], self.limits['max_inflight_bytes'])
        self.idempotency = IdempotencyCache(config['idempotency']['window_s'], config['idempotency']['max_keys'])
        self.producer = producer or Producer(config['kafka'], self.limits)
        self.metrics = Metrics(self.budget, self.readiness)
        self.verifying = {}
        self.draining = False
        self.probes = {'/health': self.handle_health, '/ready': self.handle_ready, '/metrics': self.handle_metrics}

    def readiness(self):
        """(ready, reason): not ready while draining, so that load balancers stop sending requests."""
        if self.draining:
            return False, 'draining: the replica is shutting down'
        return self.producer.readiness()

    # --- checks

    async def source_of(self, headers):
        """Authenticate; key derivations run in a thread, and one per credential at a time."""
        credentials = self.auth.credentials(headers)
        if credentials is None:
            return None
        fingerprint = self.auth.fingerprint(credentials)
        known, source = self.auth.lookup(fingerprint)
        if known:
            return checked(source)
        if fingerprint not in self.verifying:
            self.verifying[fingerprint] = asyncio.get_running_loop().run_in_executor(None, self.auth.find, credentials)
        pending = self.verifying[fingerprint]
        try:
            source = await asyncio.shield(pending)
        finally:
            if self.verifying.get(fingerprint) is pending and pending.done():
                del self.verifying[fingerprint]
        self.auth.remember(fingerprint, source)
        return checked(source)

    async def read_body(self, request):
        limit = self.limits['max_body_bytes']
        if request.content_length is not None and request.content_length > limit:
            raise rq.RequestError(413, 'the body is %d bytes, the maximum is %d' % (request.content_length, limit))
        chunks, size = [], 0
        async for chunk in request.chunks():
            size += len(chunk)
            if size > limit:
                raise rq.RequestError(413, 'the body is over the maximum of %d bytes' % limit)
            chunks.append(chunk)
        return b''.join(chunks)

    def retry_after(self):
        return {'Retry-After': str(int(self.limits['retry_after_s']))}

    # --- producing

    async def produce(self, topic, fmt, body):
        """(status, document) for a request that passed authentication; RequestError before producing."""
        records = rq.parse_body(body, fmt, self.limits['max_records'])
        partitions = await self.producer.partition_count(topic)
        if partitions is None:
            raise rq.RequestError(404, 'topic %s does not exist' % topic)
        rq.check_partitions(records, partitions, topic)
        size = sum(record.size for record in records)
        if not self.budget.try_take(len(records), size):
            raise rq.RequestError(429, 'the gateway has %d records (%d bytes) waiting for Kafka, at its bound; retry later'
                                  % (self.budget.records, self.budget.bytes))
        started = time.monotonic()
        delivery = self.producer.produce(topic, records)
        # The budget is given back when Kafka answered, even if this request's client went away.
        delivery.add_done_callback(lambda _: self.budget.give_back(len(records), size))
        offsets = await asyncio.shield(delivery)
        self.metrics.latency.observe(time.monotonic() - started)
        self.metrics.count_records(topic, offsets)
        return rq.batch_status(offsets), {'offsets': offsets}

    async def produce_once(self, source, topic, fmt, content_type, body, key):
        """produce(), or the first answer of an earlier request with the same Idempotency-Key."""
        scope = source.name if source is not None else ''
        first, pending = self.idempotency.claim(scope, key, request_fingerprint(topic, content_type, body))
        if not first:
            self.metrics.idempotent_replays.inc()
            return await asyncio.shield(pending)
        try:
            result = await self.produce(topic, fmt, body)
        except rq.RequestError as exc:
            self.idempotency.release(scope, key, (exc.status, rq.error_body(exc.status, exc.message)))
            raise
        except BaseException:
            self.idempotency.release(scope, key, (500, rq.error_body(500, 'the first request with this key failed')))
            raise
        self.idempotency.resolve(scope, key, result)
        return result

    # --- handlers

    async def handle_produce(self, request):
        topic = request.path[len(TOPICS):]
        try:
            source = await self.source_of(request.headers)
            if topic.startswith('__'):
                # Even a source allowed '*' never writes Kafka's own topics (__consumer_offsets, ...).
                raise AuthError(403, 'topic %s is internal to Kafka' % topic)
            self.auth.authorize(source, topic)
            content_type = request.headers.get('Content-Type', '')
            fmt = rq.embedded_format(content_type)
            body = await self.read_body(request)
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key is None:
                status, document = await self.produce(topic, fmt, body)
            else:
                if not key or len(key) > MAX_KEY_LENGTH:
                    raise rq.RequestError(422, '%s must be 1 to %d characters' % (IDEMPOTENCY_HEADER, MAX_KEY_LENGTH))
                status, document = await self.produce_once(source, topic, fmt, content_type, body, key)
        except (AuthError, rq.RequestError) as exc:
            headers = self.retry_after() if exc.status == 429 else None
            if exc.status == 401:
                headers = {'WWW-Authenticate': 'Bearer, Basic realm="eda-gateway"'}
            return error(exc.status, exc.message, headers)
        except KeyReused as exc:
            return error(422, str(exc))
        return answer(status, document, self.retry_after() if status == 503 else None)

    async def handle_health(self, request):
        return answer(200, {'status': 'alive'})

    async def handle_ready(self, request):
        ready, reason = self.readiness()
        return answer(200 if ready else 503, {'ready': ready, 'reason': reason})

    async def handle_metrics(self, request):
        body, content_type = self.metrics.exposition()
        return Response(200, body, content_type)

    # --- application

    def route_of(self, path):
        """(route label for the metrics, handler, the method it takes); (unmatched, None, None)."""
        if path.startswith(TOPICS) and len(path) > len(TOPICS) and '/' not in path[len(TOPICS):]:
            return '/topics/{topic}', self.handle_produce, 'POST'
        probe = self.probes.get(path)
        return (path, probe, 'GET') if probe else ('unmatched', None, None)

    async def respond(self, request):
        route, handler, method = self.route_of(request.path)
        if handler is None:
            return route, error(404, 'no such path: %s (POST /topics/<topic>, GET /health, /ready, /metrics)' % request.path)
        if request.method != method:
            return route, error(405, '%s %s is not served, only %s' % (request.method, request.path, method), {'Allow': method})
        try:
            return route, await handler(request)
        except ClientGone:
            raise
        except Exception:
            LOG.exception('request to %s failed', request.path)
            return route, error(500, 'internal error of the gateway')

    async def __call__(self, scope, receive, send):
        """The ASGI entry point; uvicorn runs without lifespan and websockets, so only HTTP arrives."""
        if scope['type'] != 'http':
            return
        request = Request(scope, receive)
        try:
            route, response = await self.respond(request)
        except ClientGone:
            self.metrics.requests.labels(self.route_of(request.path)[0], CLIENT_GONE).inc()
            return
        self.metrics.requests.labels(route, str(response.status)).inc()
        await response.send(send)
