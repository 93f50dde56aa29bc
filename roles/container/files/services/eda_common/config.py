# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Configuration files of the services: one file each (YAML or JSON), the only place secrets live.

Each service declares its DEFAULTS and checks; this module merges a file over them, refusing
unknown keys so that a typo does not silently leave a setting at its default, and checks the
Kafka connection section they all have.
"""

import json
import os

SECURITY_PROTOCOLS = ('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL')
SASL_MECHANISMS = ('SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN')

# The connection keys of every service's `kafka` section; each service adds its own.
KAFKA_CONNECTION = {
    'bootstrap_servers': None,
    'security_protocol': 'PLAINTEXT',
    'sasl_mechanism': 'SCRAM-SHA-512',
    'sasl_username': None,
    'sasl_password': None,
    'ssl_ca_file': None,
}


class ConfigError(ValueError):
    pass


def merged(defaults, given, where='config'):
    """defaults overlaid with given, section by section; unknown keys refused."""
    if not isinstance(given, dict):
        raise ConfigError('%s must be a mapping' % where)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ConfigError('unknown key(s) in %s: %s' % (where, ', '.join(unknown)))
    result = {}
    for key, default in defaults.items():
        value = given.get(key, default)
        if isinstance(default, dict):
            value = merged(default, value if value is not None else {}, key if where == 'config' else '%s.%s' % (where, key))
        result[key] = value
    return result


def positive(value, name):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ConfigError('%s must be a positive number, not %r' % (name, value))


def whole_number(value, name, low, high):
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError('%s must be an integer from %d to %d, not %r' % (name, low, high, value))


def names(value, name):
    """A list of non-empty strings; one comma-separated string is accepted too."""
    if isinstance(value, str):
        value = [item.strip() for item in value.split(',') if item.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise ConfigError('%s is required: a non-empty list of names' % name)
    return value


def check_kafka_connection(kafka):
    kafka['bootstrap_servers'] = names(kafka['bootstrap_servers'], 'kafka.bootstrap_servers')
    if kafka['security_protocol'] not in SECURITY_PROTOCOLS:
        raise ConfigError('kafka.security_protocol must be one of %s' % ', '.join(SECURITY_PROTOCOLS))
    if kafka['security_protocol'].startswith('SASL_'):
        if kafka['sasl_mechanism'] not in SASL_MECHANISMS:
            raise ConfigError('kafka.sasl_mechanism must be one of %s' % ', '.join(SASL_MECHANISMS))
        if not kafka['sasl_username'] or not kafka['sasl_password']:
            raise ConfigError('kafka.sasl_username and kafka.sasl_password are required with %s' % kafka['security_protocol'])


def read(path):
    """The file's data: JSON when the name ends in .json, else YAML."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    if path.endswith('.json'):
        return json.loads(text)
    import yaml  # only YAML files need PyYAML
    return yaml.safe_load(text)


def path_from(argument, env_var):
    """The config path: the --config argument, else the environment variable (a path, never a secret)."""
    path = argument or os.environ.get(env_var)
    if not path:
        raise ConfigError('no configuration: pass --config PATH or set %s' % env_var)
    return path
