# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""eda_gateway: HTTP event sources into Kafka, with the Strimzi HTTP bridge's produce API."""

__version__ = '0.1.0'
