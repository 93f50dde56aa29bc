# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_gateway: the idempotency cache, back-pressure accounting, and the configuration file."""

import asyncio
import json

import pytest

from eda_gateway import auth, config, idempotency
from eda_gateway.budget import Budget


class Clock(object):
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def run(coroutine):
    return asyncio.run(coroutine)


class TestIdempotency:
    FP = idempotency.request_fingerprint('orders', 'application/vnd.kafka.json.v2+json', b'{"records":[]}')

    def test_fingerprint_separates_fields(self):
        assert idempotency.request_fingerprint('ab', 'c', b'') != idempotency.request_fingerprint('a', 'bc', b'')

    def test_retry_gets_the_first_answer(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 10)
            first = cache.claim('shop', 'k1', self.FP)[0]
            cache.resolve('shop', 'k1', (200, {'offsets': [{'partition': 0, 'offset': 5}]}))
            again, replay = cache.claim('shop', 'k1', self.FP)
            return first, again, await replay
        assert run(scenario()) == (True, False, (200, {'offsets': [{'partition': 0, 'offset': 5}]}))

    def test_concurrent_retry_waits_for_the_first(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 10)
            cache.claim('shop', 'k1', self.FP)
            first_again, waiting = cache.claim('shop', 'k1', self.FP)
            waiter = asyncio.ensure_future(waiting)
            await asyncio.sleep(0)
            assert not waiter.done()
            cache.resolve('shop', 'k1', (207, {'offsets': []}))
            return first_again, await waiter
        assert run(scenario()) == (False, (207, {'offsets': []}))

    def test_keys_are_scoped_by_source(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 10)
            return cache.claim('shop', 'k', self.FP)[0], cache.claim('sensors', 'k', self.FP)[0]
        assert run(scenario()) == (True, True)

    def test_same_key_other_request_is_refused(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 10)
            cache.claim('shop', 'k', self.FP)
            with pytest.raises(idempotency.KeyReused, match="'k' was used for a different request"):
                cache.claim('shop', 'k', idempotency.request_fingerprint('orders', 'x', b'other'))
        run(scenario())

    def test_released_key_is_handled_afresh_and_waiters_get_the_refusal(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 10)
            cache.claim('shop', 'k', self.FP)
            waiting = cache.claim('shop', 'k', self.FP)[1]
            cache.release('shop', 'k', (429, {'error_code': 429}))
            return await waiting, cache.claim('shop', 'k', self.FP)[0]
        assert run(scenario()) == ((429, {'error_code': 429}), True)

    def test_window_expires(self):
        async def scenario():
            clock = Clock()
            cache = idempotency.IdempotencyCache(60, 10, clock=clock)
            cache.claim('shop', 'k', self.FP)
            clock.now += 59
            kept = cache.claim('shop', 'k', self.FP)[0]
            clock.now += 2
            return kept, cache.claim('shop', 'k', self.FP)[0]
        assert run(scenario()) == (False, True)

    def test_bounded_oldest_evicted(self):
        async def scenario():
            cache = idempotency.IdempotencyCache(60, 3)
            for key in 'abcd':
                cache.claim('s', key, self.FP)
            return len(cache), cache.claim('s', 'a', self.FP)[0], cache.claim('s', 'd', self.FP)[0]
        assert run(scenario()) == (3, True, False)


class TestBudget:
    def test_takes_whole_requests_or_nothing(self):
        budget = Budget(max_records=10, max_bytes=1000)
        assert budget.try_take(6, 100)
        assert not budget.try_take(5, 100)
        assert (budget.records, budget.bytes) == (6, 100)
        assert budget.try_take(4, 100)
        assert budget.fill == 1.0

    def test_bytes_bound_too(self):
        budget = Budget(max_records=10, max_bytes=1000)
        assert budget.try_take(1, 900)
        assert not budget.try_take(1, 101)
        assert budget.fill == 0.9

    def test_give_back_makes_room(self):
        budget = Budget(max_records=2, max_bytes=10)
        budget.try_take(2, 10)
        budget.give_back(2, 10)
        assert budget.try_take(2, 10)

    def test_giving_back_more_than_taken_is_a_bug(self):
        with pytest.raises(AssertionError):
            Budget(2, 10).give_back(1, 1)


def good(**overrides):
    data = {'kafka': {'bootstrap_servers': 'a:9092, b:9092'},
            'sources': [{'name': 'shop', 'topics': ['orders'], 'api_key_hashes': [auth.hash_secret('k', 1000)]}]}
    data.update(overrides)
    return data


class TestConfig:
    def test_defaults_fill_in(self):
        settings = config.from_data(good())
        assert settings['kafka']['bootstrap_servers'] == ['a:9092', 'b:9092']
        assert settings['kafka']['security_protocol'] == 'PLAINTEXT'
        assert settings['limits']['max_records'] == 500
        assert settings['idempotency']['window_s'] == 300

    @pytest.mark.parametrize('data, fragment', [
        ({'kafka': {}}, 'kafka.bootstrap_servers is required'),
        (good(kafka={'bootstrap_servers': 'a:1', 'linger': 5}), 'unknown key(s) in kafka: linger'),
        (good(extra=1), 'unknown key(s) in config: extra'),
        (good(kafka={'bootstrap_servers': 'a:1', 'security_protocol': 'TLS'}), 'security_protocol must be one of'),
        (good(kafka={'bootstrap_servers': 'a:1', 'security_protocol': 'SASL_SSL'}), 'sasl_username and kafka.sasl_password are required'),
        (good(limits={'max_records': 0}), 'limits.max_records must be a positive number'),
        (good(limits={'max_records': 10, 'max_inflight_records': 5}), 'could never fit'),
        (good(sources=[]), 'no sources are configured'),
        (good(sources=[{'name': 'a', 'topics': [], 'api_key_hashes': ['x']}]), 'needs a non-empty topics list'),
        (good(sources=[{'name': 'a', 'topics': ['t']}]), 'needs api_key_hashes or username and password_hash'),
        (good(sources=[{'name': 'a', 'topics': ['t'], 'username': 'u', 'api_key_hashes': ['x']}]), 'username and password_hash go together'),
        (good(sources=[{'name': 'a', 'topics': ['t'], 'api_key': 'plain'}]), 'unknown key(s) in sources[0]: api_key'),
        (good(listen={'drain_s': -1}), 'listen.drain_s must be a number of seconds from 0 to 300, not -1'),
        (good(listen={'drain_s': '5'}), "listen.drain_s must be a number of seconds from 0 to 300, not '5'"),
    ])
    def test_refused_naming_the_key(self, data, fragment):
        with pytest.raises(config.ConfigError) as caught:
            config.from_data(data)
        assert fragment in str(caught.value)

    def test_sasl_settings(self):
        settings = config.from_data(good(kafka={'bootstrap_servers': 'a:1', 'security_protocol': 'SASL_SSL', 'sasl_username': 'gw',
                                                'sasl_password': 'pw', 'ssl_ca_file': '/ca.pem'}))
        assert settings['kafka']['sasl_mechanism'] == 'SCRAM-SHA-512'

    def test_load_json_and_yaml(self, tmp_path):
        (tmp_path / 'gw.json').write_text(json.dumps(good()))
        (tmp_path / 'gw.yml').write_text('kafka:\n  bootstrap_servers: [a:9092]\nauth:\n  required: false\n')
        assert config.load(str(tmp_path / 'gw.json'))['sources'][0]['name'] == 'shop'
        assert config.load(str(tmp_path / 'gw.yml'))['kafka']['bootstrap_servers'] == ['a:9092']
