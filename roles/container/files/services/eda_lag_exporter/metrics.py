# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The metric families of one snapshot: kafka_exporter's names and labels, plus the lag in seconds.

A scrape renders the last snapshot; it never waits for Kafka. After a failed reading the Kafka
families are left out (no stale numbers) and kafka_lag_exporter_last_scrape_success is 0.
"""

import collections

from prometheus_client.core import GaugeMetricFamily

Snapshot = collections.namedtuple('Snapshot', 'reading rows success duration timestamp')
GROUP_PARTITION = ['consumergroup', 'topic', 'partition']
GROUP_TOPIC = ['consumergroup', 'topic']


def gauge(name, documentation, labels=()):
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def status_families(snapshot):
    success = gauge('kafka_lag_exporter_last_scrape_success', '1 when the last reading of Kafka succeeded')
    success.add_metric([], 1 if snapshot.success else 0)
    duration = gauge('kafka_lag_exporter_last_scrape_duration_seconds', 'How long the last reading of Kafka took')
    duration.add_metric([], snapshot.duration)
    timestamp = gauge('kafka_lag_exporter_last_scrape_timestamp_seconds', 'When the last reading of Kafka ended (Unix time)')
    timestamp.add_metric([], snapshot.timestamp)
    return [success, duration, timestamp]


def cluster_families(reading):
    brokers = gauge('kafka_brokers', 'Number of Brokers in the Kafka Cluster.')
    brokers.add_metric([], reading.brokers)
    partitions = gauge('kafka_topic_partitions', 'Number of partitions for this Topic', ['topic'])
    current = gauge('kafka_topic_partition_current_offset', 'Current Offset of a Broker at Topic/Partition', ['topic', 'partition'])
    oldest = gauge('kafka_topic_partition_oldest_offset', 'Oldest Offset of a Broker at Topic/Partition', ['topic', 'partition'])
    for topic in sorted(reading.topics):
        partitions.add_metric([topic], len(reading.topics[topic]))
        for partition in reading.topics[topic]:
            current.add_metric([topic, str(partition)], reading.ends[(topic, partition)])
            oldest.add_metric([topic, str(partition)], reading.starts[(topic, partition)])
    return [brokers, partitions, current, oldest]


def group_families(reading, rows):
    members = gauge('kafka_consumergroup_members', 'Amount of members in a consumer group', ['consumergroup'])
    offset = gauge('kafka_consumergroup_current_offset', 'Current Offset of a ConsumerGroup at Topic/Partition', GROUP_PARTITION)
    offset_sum = gauge('kafka_consumergroup_current_offset_sum', 'Current Offset of a ConsumerGroup at Topic for all partitions', GROUP_TOPIC)
    lag = gauge('kafka_consumergroup_lag', 'Current Approximate Lag of a ConsumerGroup at Topic/Partition '
                '(the whole log where the group never committed)', GROUP_PARTITION)
    lag_sum = gauge('kafka_consumergroup_lag_sum', 'Current Approximate Lag of a ConsumerGroup at Topic for all partitions', GROUP_TOPIC)
    lag_seconds = gauge('kafka_consumergroup_lag_seconds', 'Approximate seconds since the log end was where the ConsumerGroup stands, '
                        'interpolated from log end offsets over time', GROUP_PARTITION)
    for group_id in sorted(reading.groups):
        members.add_metric([group_id], reading.groups[group_id].members)
        offsets, lags = collections.Counter(), collections.Counter()
        for row in rows.get(group_id, []):
            labels = [group_id, row.topic, str(row.partition)]
            lag.add_metric(labels, row.lag)
            lag_seconds.add_metric(labels, row.lag_seconds)
            lags[row.topic] += row.lag
            # A partition never committed has no offset (kafka_exporter would show -1 and spoil the sum).
            if row.committed is not None:
                offset.add_metric(labels, row.committed)
                offsets[row.topic] += row.committed
        for topic in sorted(lags):
            lag_sum.add_metric([group_id, topic], lags[topic])
            if topic in offsets:
                offset_sum.add_metric([group_id, topic], offsets[topic])
    return [members, offset, offset_sum, lag, lag_sum, lag_seconds]


class SnapshotCollector(object):
    """A prometheus_client collector serving whatever snapshot was set last."""

    def __init__(self):
        self.snapshot = Snapshot(None, {}, False, 0.0, 0.0)

    def collect(self):
        snapshot = self.snapshot  # one reference read: a refresh swapping it meanwhile does not mix two readings
        families = status_families(snapshot)
        if snapshot.success:
            families += cluster_families(snapshot.reading) + group_families(snapshot.reading, snapshot.rows)
        return families
