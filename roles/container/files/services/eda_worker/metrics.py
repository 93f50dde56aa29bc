# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Prometheus metrics on a registry of the worker's own, served with /health by a small HTTP thread."""

import http.server
import threading

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics(object):
    def __init__(self, unfinished, assigned):
        self.registry = CollectorRegistry()
        self.handled = Counter('eda_worker_events_handled', 'Events the handler returned for, by input topic', ['topic'], registry=self.registry)
        self.failures = Counter('eda_worker_handler_failures', 'Handler attempts that raised, by error class', ['error_class'], registry=self.registry)
        self.retries = Counter('eda_worker_handler_retries', 'Handler attempts after a failure, by input topic', ['topic'], registry=self.registry)
        self.dead_lettered = Counter('eda_worker_events_dead_lettered', 'Events written to the dead-letter topic, by input topic',
                                     ['topic'], registry=self.registry)
        self.handler_latency = Histogram('eda_worker_handler_latency_seconds', 'Time of one handler attempt',
                                         registry=self.registry, buckets=LATENCY_BUCKETS)
        self.produce_latency = Histogram('eda_worker_produce_latency_seconds', 'Time from producing an output record to Kafka acknowledging it',
                                         registry=self.registry, buckets=LATENCY_BUCKETS)
        assigned_gauge = Gauge('eda_worker_assigned_partitions', 'Input partitions assigned to this worker', registry=self.registry)
        assigned_gauge.set_function(assigned)
        unfinished_gauge = Gauge('eda_worker_unfinished_events', 'Events handed to the handler and not finished (output not acknowledged)',
                                 registry=self.registry)
        unfinished_gauge.set_function(unfinished)

    def know_topic(self, topic):
        """Series of 0 for an input topic, so that rates over them exist before the first event or failure."""
        for counter in (self.handled, self.retries, self.dead_lettered):
            counter.labels(topic)

    def exposition(self):
        return prometheus_client.generate_latest(self.registry), prometheus_client.CONTENT_TYPE_LATEST


def serve(host, port, metrics, health):
    """GET /metrics and GET /health (health() -> (ok, reason)) on a daemon thread; returns the server."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            if self.path == '/metrics':
                body, content_type = metrics.exposition()
                self.answer(200, body, content_type)
            elif self.path == '/health':
                ok, reason = health()
                self.answer(200 if ok else 503, reason.encode('utf-8') + b'\n', 'text/plain; charset=utf-8')
            else:
                self.answer(404, b'only /metrics and /health\n', 'text/plain; charset=utf-8')

        def answer(self, status, body, content_type):
            self.send_response(status)
            self.send_header('Content-Type', content_type)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments):
            pass  # Prometheus scrapes every few seconds: no access log

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name='metrics-http', daemon=True).start()
    return server
