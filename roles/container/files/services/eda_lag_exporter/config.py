# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The exporter's configuration: one file (YAML or JSON), the only place secrets live.

Unknown keys are refused so that a typo does not silently leave a setting at its default.
"""

import re

from eda_common.config import KAFKA_CONNECTION, ConfigError, check_kafka_connection, merged, positive, read, whole_number

ENV_VAR = 'EDA_LAG_EXPORTER_CONFIG'
MAX_SAMPLES = 1000

DEFAULTS = {
    'kafka': dict(KAFKA_CONNECTION, **{
        'client_id': 'eda-lag-exporter',
        'request_timeout_ms': 30000,
    }),
    # Regular expressions, searched (as kafka_exporter's --group.filter/--topic.filter): anchor them
    # with ^...$ to match whole names. A name is exported when include matches and exclude does not.
    'groups': {'include': '.*', 'exclude': '^$'},
    'topics': {'include': '.*', 'exclude': '^__'},
    # Kafka is read every interval_s; a scrape serves the last reading.
    'interval_s': 15.0,
    # (time, log end offset) samples kept per partition for the lag in seconds: with interval_s,
    # how far back the estimate can look before it extrapolates.
    'lag_seconds': {'max_samples': 120},
    # kafka_exporter's port.
    # Loopback unless told otherwise: the role binds the host's address for Prometheus.
    'listen': {'host': '127.0.0.1', 'port': 9308},
}


def name_filter(section, where):
    """A function name -> exported?, from the section's include and exclude expressions."""
    patterns = {}
    for key in ('include', 'exclude'):
        try:
            patterns[key] = re.compile(section[key])
        except (re.error, TypeError) as exc:
            raise ConfigError('%s.%s is not a regular expression: %s' % (where, key, exc)) from None
    return lambda name: bool(patterns['include'].search(name)) and not patterns['exclude'].search(name)


def from_data(data):
    config = merged(DEFAULTS, data or {})
    check_kafka_connection(config['kafka'])
    config['group_filter'] = name_filter(config['groups'], 'groups')
    config['topic_filter'] = name_filter(config['topics'], 'topics')
    positive(config['interval_s'], 'interval_s')
    whole_number(config['lag_seconds']['max_samples'], 'lag_seconds.max_samples', 2, MAX_SAMPLES)
    whole_number(config['listen']['port'], 'listen.port', 1, 65535)
    whole_number(config['kafka']['request_timeout_ms'], 'kafka.request_timeout_ms', 1000, 600000)
    return config


def load(path):
    return from_data(read(path))


def client_kwargs(kafka):
    """kafka-python's client arguments."""
    kwargs = dict(bootstrap_servers=kafka['bootstrap_servers'], client_id=kafka['client_id'],
                  security_protocol=kafka['security_protocol'], request_timeout_ms=kafka['request_timeout_ms'])
    if kafka['security_protocol'].startswith('SASL_'):
        kwargs.update(sasl_mechanism=kafka['sasl_mechanism'], sasl_plain_username=kafka['sasl_username'],
                      sasl_plain_password=kafka['sasl_password'])
    if kafka['ssl_ca_file']:
        kwargs['ssl_cafile'] = kafka['ssl_ca_file']
    return kwargs
