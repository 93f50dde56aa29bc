# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # What every Kafka module of eda.platform shares in its documentation: the connection
    # options (plugins/module_utils/kafka_client.py defines the matching argument spec),
    # the requirement, the note and the author.
    DOCUMENTATION = r'''
author:
  - eda.platform developers (@eda-platform)
options:
  bootstrap_servers:
    description:
      - Kafka brokers to contact first, as C(host:port). One reachable broker is enough;
        the client learns the others from the cluster metadata.
      - A comma-separated string is accepted too.
    type: list
    elements: str
    required: true
  client_id:
    description:
      - Client id sent with every request, visible in the broker logs and quotas.
    type: str
    default: eda-platform-ansible
  connect_timeout:
    description:
      - Seconds to wait for the first connection and the cluster metadata.
      - An unreachable cluster fails the task with one error after this time.
    type: int
    default: 10
  request_timeout:
    description:
      - Seconds to wait for the answer to each request.
    type: int
    default: 30
  security_protocol:
    description:
      - Protocol of the listener named in O(bootstrap_servers).
    type: str
    choices: [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]
    default: PLAINTEXT
  sasl_mechanism:
    description:
      - SASL mechanism. Required when O(security_protocol) is V(SASL_PLAINTEXT) or V(SASL_SSL).
    type: str
    choices: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512]
  sasl_username:
    description:
      - SASL user name. Required when O(security_protocol) is V(SASL_PLAINTEXT) or V(SASL_SSL).
    type: str
  sasl_password:
    description:
      - SASL password. Required when O(security_protocol) is V(SASL_PLAINTEXT) or V(SASL_SSL).
      - Never logged.
    type: str
  ssl_cafile:
    description:
      - PEM file of the certificate authorities that sign the broker certificates.
      - Without it the system trust store is used.
      - Used when O(security_protocol) is V(SSL) or V(SASL_SSL).
    type: path
  ssl_certfile:
    description:
      - PEM file of the client certificate, for listeners that require client authentication.
    type: path
  ssl_keyfile:
    description:
      - PEM file of the private key of O(ssl_certfile).
    type: path
  ssl_password:
    description:
      - Password of O(ssl_keyfile) when it is encrypted. Never logged.
    type: str
  ssl_check_hostname:
    description:
      - Check that the broker certificate matches the host name the client connects to.
    type: bool
    default: true
requirements:
  - kafka-python >= 3.0 on the host that runs the module (usually C(localhost) or the broker host).
notes:
  - The modules talk the Kafka protocol directly; they need no Kafka CLI and no JVM.
'''
