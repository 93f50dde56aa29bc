# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_gateway: the librdkafka settings the gateway asks for, and how a delivery report becomes an answer entry."""


import confluent_kafka

from eda_gateway import config, producer


def settings(**kafka):
    loaded = config.from_data({'kafka': dict({'bootstrap_servers': ['a:9092', 'b:9092']}, **kafka), 'auth': {'required': False}})
    return producer.producer_settings(loaded['kafka'], loaded['limits'])


class TestSettings:
    def test_durable_and_never_creating_topics(self):
        got = settings()
        assert got['bootstrap.servers'] == 'a:9092,b:9092'
        assert (got['acks'], got['enable.idempotence'], got['allow.auto.create.topics']) == ('all', True, False)
        assert got['security.protocol'] == 'PLAINTEXT'
        assert 'sasl.username' not in got and 'ssl.ca.location' not in got

    def test_queue_is_larger_than_the_gateway_bound(self):
        got = settings()
        assert got['queue.buffering.max.messages'] > config.DEFAULTS['limits']['max_inflight_records']
        assert got['queue.buffering.max.kbytes'] * 1024 > config.DEFAULTS['limits']['max_inflight_bytes']

    def test_sasl_ssl_with_ca(self):
        got = settings(security_protocol='SASL_SSL', sasl_username='gw', sasl_password='pw', ssl_ca_file='/etc/ca.pem')
        assert (got['sasl.mechanisms'], got['sasl.username'], got['sasl.password']) == ('SCRAM-SHA-512', 'gw', 'pw')
        assert got['ssl.ca.location'] == '/etc/ca.pem'

    def test_librdkafka_accepts_them(self):
        confluent_kafka.Producer(settings(security_protocol='SASL_PLAINTEXT', sasl_username='gw', sasl_password='pw'))


class TestDeliveryEntry:
    def test_acknowledged(self):
        assert producer.delivery_entry(None, 2, 41) == {'partition': 2, 'offset': 41}

    def test_retriable_is_503(self):
        error = confluent_kafka.KafkaError(confluent_kafka.KafkaError._MSG_TIMED_OUT, 'timed out', retriable=True)  # pylint: disable=protected-access
        entry = producer.delivery_entry(error, -1, -1001)
        assert entry['error_code'] == 503
        assert 'timed out' in entry['message'] and '_MSG_TIMED_OUT' in entry['message']

    def test_permanent_is_500(self):
        error = confluent_kafka.KafkaError(confluent_kafka.KafkaError.MSG_SIZE_TOO_LARGE, 'too large')
        assert producer.delivery_entry(error, 1, -1001)['error_code'] == 500
