# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The gateway's configuration: one file (YAML or JSON), the only place secrets live.

Every key has a default except kafka.bootstrap_servers; unknown keys are refused so that a
typo in the file does not silently leave a limit at its default.
"""

from eda_common.config import KAFKA_CONNECTION, ConfigError, check_kafka_connection, merged, read

ENV_VAR = 'EDA_GATEWAY_CONFIG'

DEFAULTS = {
    # drain_s: after SIGTERM, /ready fails this long while requests are still served, so that a
    # load balancer's health check takes the replica out before its listener closes.
    'listen': {'host': '127.0.0.1', 'port': 8080, 'drain_s': 0},
    'kafka': dict(KAFKA_CONNECTION, **{
        'client_id': 'eda-gateway',
        'linger_ms': 5,
        # How long Kafka may take to acknowledge a record before it is answered as failed.
        'delivery_timeout_ms': 30000,
        'metadata_interval_s': 5.0,
        # /ready is false when the last successful metadata fetch is older than this.
        'ready_max_age_s': 15.0,
    }),
    'limits': {
        'max_body_bytes': 1048576,
        'max_records': 500,
        # Records and bytes accepted but not yet acknowledged by Kafka, over all requests;
        # a request that does not fit gets 429, it is never queued.
        'max_inflight_records': 20000,
        'max_inflight_bytes': 33554432,
        'retry_after_s': 1,
    },
    'idempotency': {'window_s': 300, 'max_keys': 100000},
    'auth': {'required': True, 'cache_size': 10000},
    'sources': [],
}


def check_limits(limits):
    for key, value in limits.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ConfigError('limits.%s must be a positive number' % key)
    if limits['max_records'] > limits['max_inflight_records']:
        raise ConfigError('limits.max_records must not exceed limits.max_inflight_records (such a request could never fit)')
    if limits['max_body_bytes'] > limits['max_inflight_bytes']:
        raise ConfigError('limits.max_body_bytes must not exceed limits.max_inflight_bytes (such a request could never fit)')


def check_drain(drain_s):
    if not isinstance(drain_s, (int, float)) or isinstance(drain_s, bool) or not 0 <= drain_s <= 300:
        raise ConfigError('listen.drain_s must be a number of seconds from 0 to 300, not %r' % (drain_s,))


def check_sources(config):
    names = set()
    for number, source in enumerate(config['sources']):
        where = 'sources[%d]' % number
        if not isinstance(source, dict) or not source.get('name'):
            raise ConfigError('%s needs a name' % where)
        unknown = sorted(set(source) - {'name', 'api_key_hashes', 'username', 'password_hash', 'topics'})
        if unknown:
            raise ConfigError('unknown key(s) in %s: %s' % (where, ', '.join(unknown)))
        if source['name'] in names:
            raise ConfigError('%s: source name %s is used twice' % (where, source['name']))
        names.add(source['name'])
        if not isinstance(source.get('topics'), list) or not source['topics']:
            raise ConfigError('%s (%s) needs a non-empty topics list' % (where, source['name']))
        if not source.get('api_key_hashes') and not source.get('password_hash'):
            raise ConfigError('%s (%s) needs api_key_hashes or username and password_hash' % (where, source['name']))
        if bool(source.get('username')) != bool(source.get('password_hash')):
            raise ConfigError('%s (%s): username and password_hash go together' % (where, source['name']))
    if config['auth']['required'] and not config['sources']:
        raise ConfigError('auth.required is true but no sources are configured')


def from_data(data):
    config = merged(DEFAULTS, data or {})
    check_kafka_connection(config['kafka'])
    check_limits(config['limits'])
    check_sources(config)
    check_drain(config['listen']['drain_s'])
    return config


def load(path):
    return from_data(read(path))
