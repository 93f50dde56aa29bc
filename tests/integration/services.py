# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""What the services' integration tests share: a one-broker cluster of their own, a service run
as a local process from the services' source tree, and a topic read back whole."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import requests
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from tests import collection_root, versions
from tests.integration import kafka_cluster

WAIT_SECONDS = 60


@contextlib.contextmanager
def one_broker(key):
    """A one-broker KRaft cluster of the default version for one test module; removed at the end."""
    kafka_cluster.terminate_as_interrupt()
    lab = kafka_cluster.Lab()
    try:
        lab.start(key, versions.KAFKA_KRAFT_VERSION, 1)
        yield lab.ready(key)
    finally:
        lab.remove()


def read_records(cluster, topic, timeout=WAIT_SECONDS):
    """Every record of the topic, up to the end offsets it has now, partition by partition."""
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            assert time.monotonic() < deadline, 'records of %s not read back within %ss' % (topic, timeout)
            for batch in consumer.poll(timeout_ms=500).values():
                found.extend(batch)
        return found
    finally:
        consumer.close()


def scrape(url):
    """{(name, ((label, value), ...)): value} of one scrape; {} while nothing listens yet."""
    try:
        text = requests.get(url, timeout=5).text
    except requests.ConnectionError:
        return {}
    return dict(((sample.name, tuple(sorted(sample.labels.items()))), sample.value)
                for family in text_string_to_metric_families(text) for sample in family.samples)


class ServiceProcess(object):
    """`python -m <module> --config <file>` from the services' source tree, its output in a log file."""

    def __init__(self, module, settings, work, name):
        config_path = work / ('%s.json' % name)
        config_path.write_text(json.dumps(settings))
        self.log_path = work / ('%s.log' % name)
        self.module = module
        env = dict(os.environ, PYTHONPATH=str(collection_root.SERVICES))
        with open(self.log_path, 'ab') as log:
            self.process = subprocess.Popen([sys.executable, '-m', module, '--config', str(config_path)],
                                            cwd=str(collection_root.SERVICES), env=env, stdout=log, stderr=subprocess.STDOUT)

    def log(self):
        return self.log_path.read_text(errors='replace')[-4000:]

    def check_running(self, what):
        assert self.process.poll() is None, '%s exited (rc %s) waiting for %s:\n%s' % (self.module, self.process.returncode, what, self.log())

    def stop(self, signum=signal.SIGTERM):
        """The exit code, after signum (SIGKILL when it outlasts the wait)."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
            try:
                self.process.wait(WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
