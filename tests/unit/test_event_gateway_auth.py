# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_gateway: hashed credentials, the verification cache, topic permissions."""

import base64

import pytest

from eda_gateway import auth
from eda_gateway.asgi import Headers

FAST = 1000  # iterations: the tests check the scheme, not the cost


def basic(user, password):
    return {'Authorization': 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()}


@pytest.fixture
def authenticator():
    sources = [
        dict(name='shop', topics=['orders', 'shop.*'], api_key_hashes=[auth.hash_secret('shop-key', FAST), auth.hash_secret('shop-key-2', FAST)]),
        dict(name='sensors', topics=['telemetry-?'], username='sensor', password_hash=auth.hash_secret('s3cret:with:colons', FAST)),
    ]
    return auth.Authenticator(sources, required=True, cache_size=2)


def refused(authenticator, headers, status=401):
    with pytest.raises(auth.AuthError) as caught:
        authenticator.authenticate(headers)
    assert caught.value.status == status
    return caught.value.message


class TestHashing:
    def test_round_trip_and_salted(self):
        first, second = auth.hash_secret('pw', FAST), auth.hash_secret('pw', FAST)
        assert first != second
        assert first.startswith('pbkdf2_sha256$1000$')
        assert auth.verify_secret('pw', first) and auth.verify_secret('pw', second)
        assert not auth.verify_secret('pW', first)

    def test_default_iterations_are_owasp_level(self):
        assert auth.ITERATIONS >= 600000

    @pytest.mark.parametrize('stored', ['plain-text-password', 'md5$1$abc$def', 'pbkdf2_sha256$x$YQ==$YQ==', 'pbkdf2_sha256$10$!!$YQ=='])
    def test_malformed_hash_is_refused_at_start(self, stored):
        with pytest.raises(ValueError, match='pbkdf2_sha256'):
            auth.Source(name='bad', topics=['t'], api_key_hashes=[stored])


class TestAuthenticate:
    @pytest.mark.parametrize('headers', [{'Authorization': 'Bearer shop-key'}, {'X-API-Key': 'shop-key-2'}, {'authorization': 'bearer shop-key'}])
    def test_api_keys(self, authenticator, headers):
        # as the gateway reads them from an ASGI scope: raw bytes, in the case the client sent
        raw = [(name.encode(), value.encode()) for name, value in headers.items()]
        assert authenticator.authenticate(Headers.of_scope(raw)).name == 'shop'

    def test_basic_with_colons_in_password(self, authenticator):
        assert authenticator.authenticate(basic('sensor', 's3cret:with:colons')).name == 'sensors'

    def test_no_credentials(self, authenticator):
        assert 'credentials required' in refused(authenticator, {})

    @pytest.mark.parametrize('headers', [{'Authorization': 'Bearer nope'}, basic('sensor', 'wrong'), basic('nobody', 's3cret:with:colons'),
                                         basic('shop', 'shop-key')])
    def test_wrong_credentials(self, authenticator, headers):
        assert refused(authenticator, headers) == 'unknown API key or wrong user name or password'

    @pytest.mark.parametrize('value', ['Basic !!!', 'Basic ' + base64.b64encode(b'no-colon').decode(), 'Digest x=1'])
    def test_malformed_authorization(self, authenticator, value):
        refused(authenticator, {'Authorization': value})

    def test_not_required_lets_anonymous_in(self):
        assert auth.Authenticator([], required=False).authenticate({}) is None

    def test_verified_once_then_cached(self, authenticator):
        authenticator.authenticate({'Authorization': 'Bearer shop-key'})
        derivations = authenticator.derivations
        for attempt in range(5):
            assert authenticator.authenticate({'X-API-Key': 'shop-key'}).name == 'shop'
        assert authenticator.derivations == derivations

    def test_failures_are_cached_too(self, authenticator):
        refused(authenticator, {'Authorization': 'Bearer nope'})
        derivations = authenticator.derivations
        refused(authenticator, {'Authorization': 'Bearer nope'})
        assert authenticator.derivations == derivations

    def test_cache_is_bounded_lru(self, authenticator):
        for key in ('shop-key', 'shop-key-2', 'other'):
            try:
                authenticator.authenticate({'X-API-Key': key})
            except auth.AuthError:
                pass
        assert len(authenticator.cache) == 2
        derivations = authenticator.derivations
        authenticator.authenticate({'X-API-Key': 'shop-key'})
        assert authenticator.derivations > derivations

    def test_cache_holds_no_secret(self, authenticator):
        authenticator.authenticate({'X-API-Key': 'shop-key'})
        assert all(b'shop-key' not in fingerprint for fingerprint in authenticator.cache)


class TestTopics:
    @pytest.mark.parametrize('topic, allowed', [
        ('orders', True), ('orders2', False), ('shop.x', True), ('shop.', True), ('shopx', False), ('Orders', False), ('audit', False),
    ])
    def test_exact_and_glob(self, authenticator, topic, allowed):
        source = authenticator.authenticate({'X-API-Key': 'shop-key'})
        assert source.may_write(topic) is allowed

    def test_authorize_names_source_and_topic(self, authenticator):
        source = authenticator.authenticate(basic('sensor', 's3cret:with:colons'))
        authenticator.authorize(source, 'telemetry-1')
        with pytest.raises(auth.AuthError) as caught:
            authenticator.authorize(source, 'telemetry-10')
        assert caught.value.status == 403
        assert caught.value.message == 'source sensors may not write to topic telemetry-10'
