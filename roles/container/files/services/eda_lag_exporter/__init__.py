# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""eda_lag_exporter: consumer group lag for Prometheus, with kafka_exporter's metric names."""

__version__ = '0.1.0'
