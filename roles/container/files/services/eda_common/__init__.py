# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""eda_common: what the collection's services share (configuration files, Kafka connection settings)."""
