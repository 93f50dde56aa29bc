# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_gateway: the HTTP handlers, served by the gateway's own uvicorn server on loopback, over an
in-memory producer (order of checks, statuses, idempotency, 429).

The producer here keeps what it was given and answers when the test says so; the real one is
exercised against a broker in tests/integration/test_event_gateway.py.
"""

import asyncio
import base64
import json

import aiohttp
import pytest

from eda_gateway import auth, config
from eda_gateway.__main__ import server_of
from eda_gateway.app import Gateway

JSON = 'application/vnd.kafka.json.v2+json'
KEY = {'Authorization': 'Bearer shop-key'}


class MemoryProducer(object):
    def __init__(self, topics):
        self.topics = topics
        self.produced = []
        self.hold = False
        self.held = []
        self.ready = (True, 'ok')

    async def start(self):
        pass

    async def close(self, timeout):
        pass

    def readiness(self):
        return self.ready

    async def partition_count(self, topic):
        return self.topics.get(topic)

    def produce(self, topic, records):
        future = asyncio.get_running_loop().create_future()
        offsets = []
        for record in records:
            self.produced.append((topic, record))
            offsets.append({'partition': record.partition or 0, 'offset': len(self.produced) - 1})
        if self.hold:
            self.held.append((future, offsets))
        else:
            future.set_result(offsets)
        return future

    def release(self):
        for future, offsets in self.held:
            future.set_result(offsets)
        self.held = []


def settings(**limits):
    return config.from_data({
        'kafka': {'bootstrap_servers': 'unused:9092'},
        'limits': dict({'max_body_bytes': 2000, 'max_records': 4, 'max_inflight_records': 6, 'max_inflight_bytes': 4000}, **limits),
        'sources': [{'name': 'shop', 'topics': ['orders', 'shop.*', 'missing'], 'api_key_hashes': [auth.hash_secret('shop-key', 1000)]}],
    })


async def serving(gateway):
    """The gateway's uvicorn server on a free loopback port: (server, its task, base URL)."""
    server = server_of(gateway, {'host': '127.0.0.1', 'port': 0})
    task = asyncio.ensure_future(server.serve())
    for attempt in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, 'the gateway did not start within 5 s'
    return server, task, 'http://127.0.0.1:%d' % server.servers[0].sockets[0].getsockname()[1]


def with_client(scenario, topics=None):
    """Run scenario(client, producer, gateway): client is an aiohttp session on the served gateway."""
    async def run():
        producer = MemoryProducer(topics or {'orders': 3, 'shop.a': 1})
        gateway = Gateway(settings(), producer=producer)
        server, task, url = await serving(gateway)
        try:
            async with aiohttp.ClientSession(base_url=url) as client:
                return await scenario(client, producer, gateway)
        finally:
            server.should_exit = True
            await task
    return asyncio.run(run())


async def post(client, topic='orders', records=None, headers=None, content_type=JSON, data=None):
    headers = KEY if headers is None else headers
    body = data if data is not None else json.dumps({'records': records if records is not None else [{'value': 1}]})
    response = await client.post('/topics/%s' % topic, data=body, headers=dict(headers, **{'Content-Type': content_type}))
    return response.status, await response.json(content_type=None), response.headers


def check_refusal(status, message, **request):
    async def scenario(client, producer, gateway):
        got, document, headers = await post(client, **request)
        return got, document, headers, producer.produced
    got, document, headers, produced = with_client(scenario)
    assert (got, document['error_code']) == (status, status)
    assert message in document['message']
    assert headers['Content-Type'] == 'application/vnd.kafka.v2+json'
    assert produced == []
    return headers


class TestProduce:
    def test_records_produced_and_offsets_answered(self):
        async def scenario(client, producer, gateway):
            answer = await post(client, records=[{'key': 'k', 'value': {'a': 1}, 'partition': 2,
                                                  'headers': [{'key': 'h', 'value': base64.b64encode(b'v').decode()}]}, {'value': 2}])
            return answer, producer.produced
        (status, document, headers), produced = with_client(scenario)
        assert status == 200
        assert headers['Content-Type'] == 'application/vnd.kafka.v2+json'
        assert document == {'offsets': [{'partition': 2, 'offset': 0}, {'partition': 0, 'offset': 1}]}
        assert [(topic, r.key, r.value, r.headers, r.partition) for topic, r in produced] == [
            ('orders', b'"k"', b'{"a":1}', [('h', b'v')], 2), ('orders', None, b'2', [], None)]


class TestRefusals:
    def test_no_credentials_401(self):
        headers = check_refusal(401, 'credentials required', headers={})
        assert 'Bearer' in headers['WWW-Authenticate']

    def test_wrong_key_401(self):
        check_refusal(401, 'unknown API key', headers={'X-API-Key': 'nope'})

    def test_topic_not_allowed_403(self):
        check_refusal(403, 'source shop may not write to topic audit', topic='audit')

    def test_internal_topic_403(self):
        check_refusal(403, 'internal', topic='__consumer_offsets', headers={'X-API-Key': 'shop-key'})

    def test_content_type_415(self):
        check_refusal(415, "unsupported Content-Type 'application/json'", content_type='application/json')

    def test_body_too_large_413(self):
        check_refusal(413, 'the maximum is 2000', records=[{'value': 'x' * 2100}])

    def test_too_many_records_413(self):
        check_refusal(413, '5 records in one request, the maximum is 4', records=[{'value': 1}] * 5)

    def test_malformed_json_422(self):
        check_refusal(422, 'not valid JSON', data='{"records": [')

    def test_bad_record_among_good_ones_422_nothing_produced(self):
        check_refusal(422, 'records[1] has no value', records=[{'value': 1}, {'key': 'k'}])

    def test_unknown_topic_404(self):
        check_refusal(404, 'topic missing does not exist', topic='missing')

    def test_missing_partition_422(self):
        check_refusal(422, 'records[0].partition 3 does not exist', records=[{'value': 1, 'partition': 3}])

    def test_too_long_idempotency_key_422(self):
        check_refusal(422, 'Idempotency-Key must be', headers=dict(KEY, **{'Idempotency-Key': 'k' * 256}))


class TestBackPressure:
    def test_429_while_the_buffer_is_full_then_room_again(self):
        async def scenario(client, producer, gateway):
            producer.hold = True
            first = asyncio.ensure_future(post(client, records=[{'value': n} for n in range(4)]))
            while not producer.held:
                await asyncio.sleep(0.01)
            full = await post(client, records=[{'value': 1}] * 3)
            fits = asyncio.ensure_future(post(client, records=[{'value': 1}] * 2))
            while len(producer.held) < 2:
                await asyncio.sleep(0.01)
            in_flight = gateway.budget.records
            producer.release()
            return full, in_flight, (await first)[0], (await fits)[0], gateway.budget.records, len(producer.produced)
        full, in_flight, first, fits, after, produced = with_client(scenario)
        status, document, headers = full
        assert (status, headers['Retry-After']) == (429, '1')
        assert 'at its bound' in document['message']
        assert (in_flight, first, fits, after, produced) == (6, 200, 200, 0, 6)


class TestIdempotency:
    def test_retry_answered_from_the_first_and_not_produced_again(self):
        async def scenario(client, producer, gateway):
            headers = dict(KEY, **{'Idempotency-Key': 'order-17'})
            first = await post(client, records=[{'value': 17}], headers=headers)
            again = await post(client, records=[{'value': 17}], headers=headers)
            other = await post(client, records=[{'value': 18}], headers=headers)
            return first[:2], again[:2], other[:2], len(producer.produced)
        first, again, other, produced = with_client(scenario)
        assert first == again == (200, {'offsets': [{'partition': 0, 'offset': 0}]})
        assert other[0] == 422 and 'different request' in other[1]['message']
        assert produced == 1

    def test_concurrent_duplicate_waits_for_the_first(self):
        async def scenario(client, producer, gateway):
            producer.hold = True
            headers = dict(KEY, **{'Idempotency-Key': 'same'})
            first = asyncio.ensure_future(post(client, records=[{'value': 1}], headers=headers))
            while not producer.held:
                await asyncio.sleep(0.01)
            second = asyncio.ensure_future(post(client, records=[{'value': 1}], headers=headers))
            while gateway.metrics.idempotent_replays._value.get() < 1:  # pylint: disable=protected-access
                await asyncio.sleep(0.01)
            producer.release()
            return (await first)[:2], (await second)[:2], len(producer.produced)
        first, second, produced = with_client(scenario)
        assert first == second
        assert produced == 1

    def test_refused_first_request_frees_the_key(self):
        async def scenario(client, producer, gateway):
            headers = dict(KEY, **{'Idempotency-Key': 'retry-me'})
            refused = await post(client, topic='missing', records=[{'value': 1}], headers=headers)
            producer.topics['missing'] = 1
            accepted = await post(client, topic='missing', records=[{'value': 1}], headers=headers)
            return refused[0], accepted[0], len(producer.produced)
        assert with_client(scenario) == (404, 200, 1)


class TestProbesAndMetrics:
    def test_health_ready_metrics(self):
        async def scenario(client, producer, gateway):
            await post(client)
            await post(client, headers={})
            health = await client.get('/health')
            ready = await client.get('/ready')
            producer.ready = (False, 'no metadata from Kafka for 20s')
            not_ready = await client.get('/ready')
            metrics = await (await client.get('/metrics')).text()
            return health.status, ready.status, not_ready.status, await not_ready.json(content_type=None), metrics
        health, ready, not_ready, reason, metrics = with_client(scenario)
        assert (health, ready, not_ready) == (200, 200, 503)
        assert reason == {'ready': False, 'reason': 'no metadata from Kafka for 20s'}
        assert 'eda_gateway_http_requests_total{code="200",route="/topics/{topic}"} 1.0' in metrics
        assert 'eda_gateway_http_requests_total{code="401",route="/topics/{topic}"} 1.0' in metrics
        assert 'eda_gateway_records_total{result="produced",topic="orders"} 1.0' in metrics
        assert 'eda_gateway_produce_latency_seconds_count 1.0' in metrics
        assert 'eda_gateway_buffer_fill_ratio 0.0' in metrics
        assert 'eda_gateway_ready 0.0' in metrics


def test_draining_fails_ready_and_still_produces():
    async def scenario(client, producer, gateway):
        gateway.draining = True
        ready = await client.get('/ready')
        status, answered, _headers = await post(client)
        metrics = await (await client.get('/metrics')).text()
        return ready.status, await ready.json(content_type=None), status, answered, metrics
    ready, reason, status, answered, metrics = with_client(scenario)
    assert (ready, reason) == (503, {'ready': False, 'reason': 'draining: the replica is shutting down'})
    assert status == 200 and 'error_code' not in answered['offsets'][0]
    assert 'eda_gateway_ready 0.0' in metrics


@pytest.mark.parametrize('path', ['/topics', '/topics/', '/topics/orders/partitions', '/nothing'])
def test_unknown_paths_are_404(path):
    async def scenario(client, producer, gateway):
        response = await client.post(path, data='{}')
        return response.status, await response.json(content_type=None)
    status, document = with_client(scenario)
    assert (status, document['error_code']) == (404, 404)
    assert 'no such path: %s' % path in document['message']


@pytest.mark.parametrize('method, path, allowed', [('GET', '/topics/orders', 'POST'), ('POST', '/ready', 'GET'), ('DELETE', '/metrics', 'GET')])
def test_wrong_method_is_405_with_allow(method, path, allowed):
    async def scenario(client, producer, gateway):
        response = await client.request(method, path, headers=KEY)
        return response.status, response.headers['Allow'], producer.produced
    assert with_client(scenario) == (405, allowed, [])


def test_handler_error_is_a_json_500_and_counted():
    async def scenario(client, producer, gateway):
        async def broken(topic):
            raise RuntimeError('metadata exploded')
        producer.partition_count = broken
        status, document, _headers = await post(client)
        metrics = await (await client.get('/metrics')).text()
        return status, document, metrics
    status, document, metrics = with_client(scenario)
    assert (status, document['message']) == (500, 'internal error of the gateway')
    assert 'eda_gateway_http_requests_total{code="500",route="/topics/{topic}"} 1.0' in metrics


def test_client_gone_before_its_body_is_counted_and_nothing_produced():
    async def scenario(client, producer, gateway):
        host, port = client._base_url.host, client._base_url.port  # pylint: disable=protected-access
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b'POST /topics/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer shop-key\r\n'
                     b'Content-Type: application/vnd.kafka.json.v2+json\r\nContent-Length: 1000\r\n\r\n{"records"')
        await writer.drain()
        await asyncio.sleep(0.2)
        writer.close()
        for attempt in range(100):
            metrics = await (await client.get('/metrics')).text()
            if 'code="499"' in metrics:
                break
            await asyncio.sleep(0.05)
        return metrics, producer.produced
    metrics, produced = with_client(scenario)
    assert 'eda_gateway_http_requests_total{code="499",route="/topics/{topic}"} 1.0' in metrics
    assert produced == []
