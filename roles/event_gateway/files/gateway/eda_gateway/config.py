# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The gateway's configuration: one file (YAML or JSON), the only place secrets live.

Every key has a default except kafka.bootstrap_servers; unknown keys are refused so that a
typo in the file does not silently leave a limit at its default.
"""

import json
import os

ENV_VAR = 'EDA_GATEWAY_CONFIG'
SECURITY_PROTOCOLS = ('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL')
SASL_MECHANISMS = ('SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN')

DEFAULTS = {
    'listen': {'host': '127.0.0.1', 'port': 8080},
    'kafka': {
        'bootstrap_servers': None,
        'security_protocol': 'PLAINTEXT',
        'sasl_mechanism': 'SCRAM-SHA-512',
        'sasl_username': None,
        'sasl_password': None,
        'ssl_ca_file': None,
        'client_id': 'eda-gateway',
        'linger_ms': 5,
        # How long Kafka may take to acknowledge a record before it is answered as failed.
        'delivery_timeout_ms': 30000,
        'metadata_interval_s': 5.0,
        # /ready is false when the last successful metadata fetch is older than this.
        'ready_max_age_s': 15.0,
    },
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


class ConfigError(ValueError):
    pass


def merged(defaults, given, where):
    """defaults overlaid with given, one level of sections deep; unknown keys refused."""
    if not isinstance(given, dict):
        raise ConfigError('%s must be a mapping' % where)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError('unknown key(s) in %s: %s' % (where, ', '.join(unknown)))
    result = {}
    for key, default in defaults.items():
        value = given.get(key, default)
        if isinstance(default, dict):
            value = merged(default, value if value is not None else {}, '%s.%s' % (where, key) if where != 'config' else key)
        result[key] = value
    return result


def check_kafka(kafka):
    servers = kafka['bootstrap_servers']
    if isinstance(servers, str):
        servers = [item.strip() for item in servers.split(',') if item.strip()]
    if not servers:
        raise ConfigError('kafka.bootstrap_servers is required')
    kafka['bootstrap_servers'] = list(servers)
    if kafka['security_protocol'] not in SECURITY_PROTOCOLS:
        raise ConfigError('kafka.security_protocol must be one of %s' % ', '.join(SECURITY_PROTOCOLS))
    if kafka['security_protocol'].startswith('SASL_'):
        if kafka['sasl_mechanism'] not in SASL_MECHANISMS:
            raise ConfigError('kafka.sasl_mechanism must be one of %s' % ', '.join(SASL_MECHANISMS))
        if not kafka['sasl_username'] or not kafka['sasl_password']:
            raise ConfigError('kafka.sasl_username and kafka.sasl_password are required with %s' % kafka['security_protocol'])


def check_limits(limits):
    for key, value in limits.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ConfigError('limits.%s must be a positive number' % key)
    if limits['max_records'] > limits['max_inflight_records']:
        raise ConfigError('limits.max_records must not exceed limits.max_inflight_records (such a request could never fit)')
    if limits['max_body_bytes'] > limits['max_inflight_bytes']:
        raise ConfigError('limits.max_body_bytes must not exceed limits.max_inflight_bytes (such a request could never fit)')


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
    config = merged(DEFAULTS, data or {}, 'config')
    check_kafka(config['kafka'])
    check_limits(config['limits'])
    check_sources(config)
    return config


def load(path):
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    if path.endswith('.json'):
        data = json.loads(text)
    else:
        import yaml  # only YAML files need PyYAML
        data = yaml.safe_load(text)
    return from_data(data)


def path_from(argument):
    """The config path: the --config argument, else the environment variable (a path, never a secret)."""
    path = argument or os.environ.get(ENV_VAR)
    if not path:
        raise ConfigError('no configuration: pass --config PATH or set %s' % ENV_VAR)
    return path
