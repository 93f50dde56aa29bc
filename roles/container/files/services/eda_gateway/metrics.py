# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Prometheus metrics, on a registry of the gateway's own (several gateways can live in one test process)."""

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics(object):
    def __init__(self, budget, readiness):
        self.registry = CollectorRegistry()
        self.requests = Counter('eda_gateway_http_requests', 'HTTP requests answered, by route and status code',
                                ['route', 'code'], registry=self.registry)
        self.records = Counter('eda_gateway_records', 'Records answered, by topic and result (produced or failed)',
                               ['topic', 'result'], registry=self.registry)
        self.latency = Histogram('eda_gateway_produce_latency_seconds', 'Time from producing a request\'s records to Kafka acknowledging all',
                                 registry=self.registry, buckets=LATENCY_BUCKETS)
        self.idempotent_replays = Counter('eda_gateway_idempotent_replays', 'Requests answered from the Idempotency-Key cache',
                                          registry=self.registry)
        fill = Gauge('eda_gateway_buffer_fill_ratio', 'In-flight records or bytes over their bound, the fuller of the two', registry=self.registry)
        fill.set_function(lambda: budget.fill)
        inflight = Gauge('eda_gateway_inflight_records', 'Records accepted and not yet acknowledged by Kafka', registry=self.registry)
        inflight.set_function(lambda: budget.records)
        inflight_bytes = Gauge('eda_gateway_inflight_bytes', 'Bytes accepted and not yet acknowledged by Kafka', registry=self.registry)
        inflight_bytes.set_function(lambda: budget.bytes)
        ready = Gauge('eda_gateway_ready', '1 when Kafka is reachable and the producer healthy', registry=self.registry)
        ready.set_function(lambda: 1 if readiness()[0] else 0)

    def count_records(self, topic, offsets):
        failed = sum(1 for entry in offsets if 'error_code' in entry)
        if len(offsets) - failed:
            self.records.labels(topic, 'produced').inc(len(offsets) - failed)
        if failed:
            self.records.labels(topic, 'failed').inc(failed)

    def exposition(self):
        return prometheus_client.generate_latest(self.registry), prometheus_client.CONTENT_TYPE_LATEST
