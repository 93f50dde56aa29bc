# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""eda_worker: a consumer group member that hands every event to a pluggable handler, at least once."""

__version__ = '0.1.0'
