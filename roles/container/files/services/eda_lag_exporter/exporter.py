# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The refresh loop: read Kafka every interval, sample the log ends, compute the lags, swap the snapshot."""

import contextlib
import logging
import time

from kafka import KafkaAdminClient

from eda_lag_exporter import collect, config, lag
from eda_lag_exporter.metrics import Snapshot, SnapshotCollector

LOG = logging.getLogger('eda_lag_exporter')


class Exporter(object):
    def __init__(self, settings, admin_factory=KafkaAdminClient, clock=time.monotonic):
        self.settings = settings
        self.admin_factory = admin_factory
        self.clock = clock
        self.admin = None
        self.history = lag.OffsetHistory(settings['lag_seconds']['max_samples'])
        self.collector = SnapshotCollector()

    def refresh(self):
        started = self.clock()
        try:
            if self.admin is None:
                self.admin = self.admin_factory(**config.client_kwargs(self.settings['kafka']))
            reading = collect.read_cluster(self.admin, self.settings['group_filter'], self.settings['topic_filter'])
        except Exception as exc:  # noqa: BLE001 - any failure is one failed reading; the next one reconnects
            LOG.warning('reading Kafka failed: %s: %s', type(exc).__name__, exc)
            self.close()
            self.collector.snapshot = Snapshot(None, {}, False, self.clock() - started, time.time())
            return False
        now = self.clock()
        for key, end in reading.ends.items():
            self.history.record(key, now, end)
        self.history.keep_only(reading.ends)
        rows = dict((group_id, lag.group_rows(group, reading.ends, reading.starts, self.history, now))
                    for group_id, group in reading.groups.items())
        self.collector.snapshot = Snapshot(reading, rows, True, now - started, time.time())
        return True

    def run(self, stopped):
        """Refresh every interval_s until the stopped event is set."""
        interval = self.settings['interval_s']
        while not stopped.is_set():
            started = self.clock()
            self.refresh()
            stopped.wait(max(0.0, interval - (self.clock() - started)))
        self.close()

    def close(self):
        if self.admin is not None:
            with contextlib.suppress(Exception):
                self.admin.close()
            self.admin = None
