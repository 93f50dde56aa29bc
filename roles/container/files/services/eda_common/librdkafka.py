# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""librdkafka (confluent-kafka) settings from a service's `kafka` section."""


def connection_settings(kafka):
    """Where the cluster is and how to authenticate; the clients add their own settings."""
    settings = {
        'bootstrap.servers': ','.join(kafka['bootstrap_servers']),
        'client.id': kafka['client_id'],
        'security.protocol': kafka['security_protocol'],
    }
    if kafka['security_protocol'].startswith('SASL_'):
        settings.update({'sasl.mechanisms': kafka['sasl_mechanism'], 'sasl.username': kafka['sasl_username'],
                         'sasl.password': kafka['sasl_password']})
    if kafka['ssl_ca_file']:
        settings['ssl.ca.location'] = kafka['ssl_ca_file']
    return settings
