# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_workers: the configuration file, the handler it names, and the librdkafka settings it becomes."""

import json

import confluent_kafka
import pytest

from eda_worker import clients, config, handlers
from eda_worker.events import Event, Output, PermanentError, outputs_of

MINIMAL = {'kafka': {'bootstrap_servers': ['k1:9092']}, 'topics': {'input': ['orders'], 'output': 'orders.enriched', 'dead_letter': 'orders.dlq'}}


def loaded(**sections):
    data = json.loads(json.dumps(MINIMAL))
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name].update(value)
        else:
            data[name] = value
    return config.from_data(data)


def refused(match, **sections):
    with pytest.raises(config.ConfigError, match=match):
        loaded(**sections)


class TestConfig:
    def test_defaults(self):
        got = loaded(worker_id='w1')
        assert got['worker_id'] == 'w1'
        assert got['handler'] == {'function': 'eda_worker.handlers:enrich', 'path': ['/etc/eda-worker/handlers']}
        assert got['kafka']['group_id'] == 'eda-workers'
        assert got['retries'] == {'count': 3, 'backoff_s': 0.5, 'backoff_max_s': 10.0}

    def test_worker_id_defaults_to_the_host_name(self):
        assert loaded()['worker_id']

    def test_comma_separated_strings(self):
        got = loaded(kafka={'bootstrap_servers': 'a:1, b:2'}, topics={'input': 'x,y'})
        assert (got['kafka']['bootstrap_servers'], got['topics']['input']) == (['a:1', 'b:2'], ['x', 'y'])

    def test_unknown_keys_are_named(self):
        refused(r'unknown key\(s\) in retries: attempts', retries={'attempts': 3})
        refused(r'unknown key\(s\) in config: topic', topic='x')

    def test_required(self):
        refused('kafka.bootstrap_servers is required', kafka={'bootstrap_servers': []})
        refused('topics.input is required', topics={'input': None})
        refused('topics.dead_letter is required', topics={'dead_letter': ''})

    def test_dead_letter_must_not_be_an_input(self):
        refused('would come back forever', topics={'dead_letter': 'orders'})

    def test_sasl_needs_credentials(self):
        refused('sasl_username and kafka.sasl_password are required', kafka={'security_protocol': 'SASL_SSL', 'sasl_username': 'w'})
        refused('sasl_mechanism must be one of', kafka={'security_protocol': 'SASL_SSL', 'sasl_mechanism': 'GSSAPI'})

    def test_retries_are_bounded(self):
        refused('retries.count must be an integer from 0 to 20', retries={'count': 21})
        refused('retries.count must be an integer', retries={'count': True})
        refused('retries.backoff_max_s must be at most 60', retries={'backoff_max_s': 120})
        refused('retries.backoff_s must be a positive number', retries={'backoff_s': 0})

    def test_retries_must_fit_inside_the_poll_interval(self):
        # 10 retries of 60 s are 600 s: the group would drop the worker while it waits.
        refused(r'wait 600\.0s in all, more than half of kafka.max_poll_interval_ms \(150\.0s\)',
                retries={'count': 10, 'backoff_s': 60, 'backoff_max_s': 60})
        assert loaded(retries={'count': 10, 'backoff_s': 60, 'backoff_max_s': 60}, kafka={'max_poll_interval_ms': 1300000})

    def test_metrics_port(self):
        refused('metrics.port must be a TCP port number', metrics={'port': 70000})

    def test_yaml_file(self, tmp_path):
        path = tmp_path / 'worker.yml'
        path.write_text('kafka: {bootstrap_servers: [k:9092]}\ntopics: {input: [a], output: b, dead_letter: c}\nworker_id: w9\n')
        assert config.load(str(path))['worker_id'] == 'w9'


class TestClients:
    def test_consumer_commits_nothing_by_itself(self):
        got = clients.consumer_settings(loaded()['kafka'])
        assert (got['enable.auto.commit'], got['enable.auto.offset.store'], got['group.id']) == (False, False, 'eda-workers')
        assert got['bootstrap.servers'] == 'k1:9092'

    def test_producer_is_durable(self):
        got = clients.producer_settings(loaded()['kafka'])
        assert (got['acks'], got['enable.idempotence'], got['message.timeout.ms']) == ('all', True, 30000)

    def test_sasl_ssl(self):
        kafka = loaded(kafka={'security_protocol': 'SASL_SSL', 'sasl_username': 'w', 'sasl_password': 'p', 'ssl_ca_file': '/ca.pem'})['kafka']
        got = clients.consumer_settings(kafka)
        assert (got['sasl.mechanisms'], got['sasl.username'], got['sasl.password'], got['ssl.ca.location']) == ('SCRAM-SHA-512', 'w', 'p', '/ca.pem')

    def test_librdkafka_accepts_them(self):
        kafka = loaded(kafka={'security_protocol': 'SASL_PLAINTEXT', 'sasl_username': 'w', 'sasl_password': 'p'})['kafka']
        confluent_kafka.Consumer(clients.consumer_settings(kafka)).close()
        confluent_kafka.Producer(clients.producer_settings(kafka))


class TestHandlers:
    EVENT = Event('orders', 1, 7, b'k1', b'{"total": 3}', [('trace', b't')], 1700000000000, 1700000000.25, 'w1')

    def test_enrich_adds_where_and_when(self):
        [output] = handlers.enrich(self.EVENT)
        assert (output.key, output.headers, output.topic) == (b'k1', [('trace', b't')], None)
        assert json.loads(output.value) == {'total': 3, '_eda': {
            'received_at': '2023-11-14T22:13:20.250Z', 'source': {'topic': 'orders', 'partition': 1, 'offset': 7}, 'worker_id': 'w1'}}

    @pytest.mark.parametrize('value, match', [(b'{', 'not JSON'), (b'[1]', 'not an object'), (None, 'not JSON'), (b'\xff', 'not JSON')])
    def test_enrich_refuses_for_good(self, value, match):
        event = Event('orders', 0, 0, None, value, [], None, 0.0, 'w1')
        with pytest.raises(PermanentError, match=match):
            handlers.enrich(event)

    def test_load_from_a_mounted_directory(self, tmp_path):
        (tmp_path / 'shop_handlers_for_test.py').write_text('def price(event):\n    return [{"value": b"p", "topic": "prices"}]\n')
        function = handlers.load('shop_handlers_for_test:price', [str(tmp_path)])
        assert outputs_of(function(self.EVENT)) == [Output(b'p', topic='prices')]

    @pytest.mark.parametrize('spec, match', [
        ('eda_worker.handlers', 'must be module:function'),
        ('no_such_module_anywhere:f', 'cannot be imported'),
        ('eda_worker.handlers:missing', 'has no function missing'),
        ('eda_worker.handlers:json', 'has no function json'),
    ])
    def test_load_errors(self, spec, match):
        with pytest.raises(handlers.HandlerError, match=match):
            handlers.load(spec)

    @pytest.mark.parametrize('record, match', [
        ({'value': {'a': 1}}, 'an output value must be bytes, str or None, not dict'),
        ({'value': b'x', 'key': 7}, 'an output key must be bytes'),
        ({'value': b'x', 'headers': [('h', 1.5)]}, 'output header h must be bytes'),
        ({'value': b'x', 'topic': ''}, 'an output topic must be a non-empty string'),
        ({'value': b'x', 'partition': 1}, 'unexpected keyword'),
    ])
    def test_a_malformed_record_fails_the_attempt(self, record, match):
        with pytest.raises(TypeError, match=match):
            outputs_of([record])

    @pytest.mark.parametrize('result', [Output(b'x'), {'value': b'x'}, b'x'])
    def test_a_single_record_instead_of_a_list_is_refused(self, result):
        with pytest.raises(TypeError, match='a list of records or None'):
            outputs_of(result)
