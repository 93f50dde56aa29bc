# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The worker's configuration: one file (YAML or JSON), the only place secrets live.

Unknown keys are refused so that a typo does not silently leave a setting at its default.
"""

import socket

from eda_common.config import KAFKA_CONNECTION, ConfigError, check_kafka_connection, merged, names, positive, read
from eda_worker import failures

ENV_VAR = 'EDA_WORKER_CONFIG'
OFFSET_RESETS = ('earliest', 'latest')
MAX_RETRIES = 20
MAX_BACKOFF_S = 60

DEFAULTS = {
    # Names the worker in logs, dead-letter headers and `_eda.worker_id`; default: the host name
    # (a container's is its id).
    'worker_id': None,
    'kafka': dict(KAFKA_CONNECTION, **{
        'client_id': 'eda-worker',
        'group_id': 'eda-workers',
        # Where a group starts on a partition it never committed.
        'auto_offset_reset': 'earliest',
        'session_timeout_ms': 45000,
        # The group drops a member that does not poll for this long; the retries must fit well inside.
        'max_poll_interval_ms': 300000,
        # How long Kafka may take to acknowledge an output record before the worker gives up and stops.
        'delivery_timeout_ms': 30000,
        'linger_ms': 5,
    }),
    'topics': {'input': None, 'output': None, 'dead_letter': None},
    # The user's module is mounted in one of these directories (put first on sys.path).
    'handler': {'function': 'eda_worker.handlers:enrich', 'path': ['/etc/eda-worker/handlers']},
    'retries': {'count': 3, 'backoff_s': 0.5, 'backoff_max_s': 10.0},
    'commit_interval_s': 1.0,
    # Events handed to the handler whose output Kafka has not acknowledged yet; at the bound the worker waits.
    'max_unfinished_events': 10000,
    # Loopback unless told otherwise: the role binds the host's address for Prometheus.
    'metrics': {'host': '127.0.0.1', 'port': 9108},
}


def check_kafka(kafka):
    check_kafka_connection(kafka)
    if not kafka['group_id'] or not isinstance(kafka['group_id'], str):
        raise ConfigError('kafka.group_id must be a non-empty string')
    if kafka['auto_offset_reset'] not in OFFSET_RESETS:
        raise ConfigError('kafka.auto_offset_reset must be one of %s' % ', '.join(OFFSET_RESETS))
    for key in ('session_timeout_ms', 'max_poll_interval_ms', 'delivery_timeout_ms'):
        positive(kafka[key], 'kafka.' + key)


def check_topics(topics):
    topics['input'] = names(topics['input'], 'topics.input')
    for key in ('output', 'dead_letter'):
        if not isinstance(topics[key], str) or not topics[key]:
            raise ConfigError('topics.%s is required: a topic name' % key)
    if topics['dead_letter'] in topics['input']:
        raise ConfigError('topics.dead_letter %s is also an input topic: a failing event would come back forever' % topics['dead_letter'])


def check_handler(handler):
    if not isinstance(handler['function'], str) or ':' not in handler['function']:
        raise ConfigError('handler.function must be module:function, e.g. eda_worker.handlers:enrich')
    if isinstance(handler['path'], str):
        handler['path'] = [handler['path']]
    if not isinstance(handler['path'], list) or not all(isinstance(item, str) and item for item in handler['path']):
        raise ConfigError('handler.path must be a list of directories')


def check_retries(retries, kafka):
    count = retries['count']
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_RETRIES:
        raise ConfigError('retries.count must be an integer from 0 to %d, not %r' % (MAX_RETRIES, count))
    positive(retries['backoff_s'], 'retries.backoff_s')
    positive(retries['backoff_max_s'], 'retries.backoff_max_s')
    if retries['backoff_max_s'] > MAX_BACKOFF_S:
        raise ConfigError('retries.backoff_max_s must be at most %d seconds' % MAX_BACKOFF_S)
    # An event's retries run inside one poll interval; past it the group would evict the worker.
    waited = sum(failures.backoff_delays(count, retries['backoff_s'], retries['backoff_max_s']))
    budget = kafka['max_poll_interval_ms'] / 1000.0 / 2
    if waited > budget:
        raise ConfigError('the retries of one event wait %.1fs in all, more than half of kafka.max_poll_interval_ms (%.1fs): '
                          'lower retries.count or the backoff' % (waited, budget))


def check_metrics(metrics):
    port = metrics['port']
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError('metrics.port must be a TCP port number, not %r' % port)


def from_data(data):
    config = merged(DEFAULTS, data or {})
    check_kafka(config['kafka'])
    check_topics(config['topics'])
    check_handler(config['handler'])
    check_retries(config['retries'], config['kafka'])
    positive(config['commit_interval_s'], 'commit_interval_s')
    positive(config['max_unfinished_events'], 'max_unfinished_events')
    check_metrics(config['metrics'])
    config['worker_id'] = str(config['worker_id'] or socket.gethostname())
    return config


def load(path):
    return from_data(read(path))
