# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The librdkafka settings of the worker's consumer and producer."""

from eda_common.librdkafka import connection_settings


def consumer_settings(kafka):
    return dict(connection_settings(kafka), **{
        'group.id': kafka['group_id'],
        # Offsets are committed by the worker, and only for finished events (offsets.OffsetTracker).
        'enable.auto.commit': False,
        'enable.auto.offset.store': False,
        'auto.offset.reset': kafka['auto_offset_reset'],
        'session.timeout.ms': kafka['session_timeout_ms'],
        'max.poll.interval.ms': kafka['max_poll_interval_ms'],
        # A rebalance moves only the partitions that change owner; the others keep being handled.
        'partition.assignment.strategy': 'cooperative-sticky',
        'allow.auto.create.topics': False,
    })


def producer_settings(kafka):
    return dict(connection_settings(kafka), **{
        'acks': 'all',
        'enable.idempotence': True,
        'linger.ms': kafka['linger_ms'],
        'message.timeout.ms': kafka['delivery_timeout_ms'],
        'allow.auto.create.topics': False,
    })
