# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Reconcile 1,000 Kafka topics: one kafka_topic task vs one task per topic vs kafka-topics.sh
per topic, and the unchanged re-run against the floor (one kafka-python process describing the
same topics and their configs). Every figure comes from this run, against one broker started
here from the lab's apache/kafka image.

Run it alone on the machine (it is heavy):
    flock /tmp/eda-heavy.lock python benchmarks/topics_reconcile.py [--topics 1000] [--sample 50]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import collection_root, versions  # noqa: E402
from tests.integration import kafka_cluster  # noqa: E402

VERSION = versions.KAFKA_KRAFT_VERSION
CONFIG = {'retention.ms': 86400000, 'cleanup.policy': 'delete'}
REPEATS = 3

ONE_TASK = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - eda.platform.kafka_topic:
        bootstrap_servers: "{{ bootstrap }}"
        topics: "{{ topics }}"
'''

TASK_PER_TOPIC = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - eda.platform.kafka_topic:
        bootstrap_servers: "{{ bootstrap }}"
        name: "{{ item.name }}"
        partitions: "{{ item.partitions }}"
        config: "{{ item.config }}"
      loop: "{{ topics }}"
'''

NO_OP = '''
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.meta: noop
'''

FLOOR = '''
import sys
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource
names = sys.argv[2].split(',')
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
topics = admin.describe_topics(names)
configs = admin.describe_configs([ConfigResource('TOPIC', n) for n in names], config_filter='all')
assert len(topics) == len(names) and len(configs['topic']) == len(names)
admin.close()
'''


def topics(prefix, count):
    return [dict(name='%s.t%04d' % (prefix, number), partitions=1, config=CONFIG) for number in range(count)]


def timed(command, **kwargs):
    started = time.monotonic()
    process = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit('failed (%d): %s\n%s\n%s' % (process.returncode, ' '.join(command)[:200], process.stdout[-3000:], process.stderr[-3000:]))
    return elapsed, process.stdout


class Bench(object):
    def __init__(self, cluster, workdir, root):
        self.cluster = cluster
        self.workdir = workdir
        self.root = root
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                        ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0', PYTHONPATH=str(root))

    def playbook(self, text, items):
        path = self.workdir / 'play.yml'
        path.write_text(text)
        variables = self.workdir / 'vars.json'
        variables.write_text(json.dumps(dict(bootstrap=self.cluster.bootstrap, topics=items)))
        command = [str(Path(sys.executable).parent / 'ansible-playbook'), str(path), '-e', '@%s' % variables]
        elapsed, output = timed(command, env=self.env)
        return elapsed, 'changed=1' in output or 'changed=%d' % len(items) in output

    def module(self, items):
        """The module file run once with the same arguments, as Ansible runs it on the host."""
        module = self.root / 'ansible_collections/eda/platform/plugins/modules/kafka_topic.py'
        args = json.dumps({'ANSIBLE_MODULE_ARGS': dict(bootstrap_servers=self.cluster.bootstrap, topics=items)})
        elapsed, output = timed([sys.executable, str(module)], input=args, env=self.env)
        return elapsed, json.loads(output)['changed']

    def floor(self, items):
        names = ','.join(item['name'] for item in items)
        return timed([sys.executable, '-c', FLOOR, ','.join(self.cluster.bootstrap), names], env=self.env)[0]

    def cli(self, items):
        """kafka-topics.sh per topic in the broker container, the usual scripted way
        (--if-not-exists makes it re-runnable; it does not compare configs or counts)."""
        started = time.monotonic()
        for item in items:
            configs = []
            for key, value in item['config'].items():
                configs += ['--config', '%s=%s' % (key, value)]
            code, output = self.cluster.exec(['/opt/kafka/bin/kafka-topics.sh', '--bootstrap-server', self.cluster.internal_bootstrap(),
                                              '--create', '--if-not-exists', '--topic', item['name'],
                                              '--partitions', str(item['partitions']), '--replication-factor', '1'] + configs)
            if code != 0:
                raise SystemExit('kafka-topics.sh failed: %s' % output)
        return time.monotonic() - started


def median(function, *args):
    return statistics.median(function(*args) for dummy in range(REPEATS))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--topics', type=int, default=1000)
    parser.add_argument('--sample', type=int, default=50, help='topics actually run by the per-topic variants')
    options = parser.parse_args()
    scale = options.topics / float(options.sample)
    kafka_cluster.terminate_as_interrupt()
    lab = kafka_cluster.Lab()
    try:
        lab.remove_stale()
        lab.start('bench', VERSION, 1)
        cluster = lab.ready('bench')
        with tempfile.TemporaryDirectory(prefix='eda-bench-') as workdir:
            bench = Bench(cluster, Path(workdir), collection_root.make())
            report(bench, options, scale)
    finally:
        lab.remove()


def report(bench, options, scale):
    many = topics('bulk', options.topics)
    print('Reconciling %d topics (1 partition, 2 config keys each) on one apache/kafka:%s broker; '
          'per-topic variants run %d topics and are scaled x%.0f.' % (options.topics, VERSION, options.sample, scale), flush=True)
    one_create, changed = bench.playbook(ONE_TASK, many)
    assert changed, 'the first run created nothing'
    one_rerun = median(lambda: bench.playbook(ONE_TASK, many)[0])
    module_rerun = median(lambda: bench.module(many)[0])
    assert bench.module(many)[1] is False, 'the re-run was not idempotent'
    floor = median(bench.floor, many)
    startup = median(lambda: bench.playbook(NO_OP, [])[0])

    sample = topics('loop', options.sample)
    loop_create = bench.playbook(TASK_PER_TOPIC, sample)[0] * scale
    loop_rerun = bench.playbook(TASK_PER_TOPIC, sample)[0] * scale
    cli_sample = topics('cli', options.sample)
    cli_create = bench.cli(cli_sample) * scale
    cli_rerun = bench.cli(cli_sample) * scale

    rows = [
        ('one kafka_topic task (topics: list), ansible-playbook', one_create, one_rerun),
        ('one task per topic (loop), ansible-playbook, scaled', loop_create, loop_rerun),
        ('kafka-topics.sh per topic (docker exec), scaled', cli_create, cli_rerun),
    ]
    print('\n%-58s %10s %12s' % ('variant', 'create s', 'unchanged s'))
    for name, create, rerun in rows:
        print('%-58s %10.1f %12.1f' % (name, create, rerun))
    print('%-58s %10s %12.2f' % ('ansible-playbook with one no-op task (fixed cost)', '', startup))
    print('%-58s %10s %12.2f' % ('kafka_topic module process alone (what Ansible executes)', '', module_rerun))
    print('%-58s %10s %12.2f' % ('floor: one kafka-python process describing topics+configs', '', floor))
    print('\nratios (same run):')
    print('  task per topic / one task:      create %.1fx, unchanged %.1fx' % (loop_create / one_create, loop_rerun / one_rerun))
    print('  kafka-topics.sh / one task:     create %.1fx, unchanged %.1fx' % (cli_create / one_create, cli_rerun / one_rerun))
    print('  unchanged one task / floor:     %.2fx (whole ansible-playbook run)' % (one_rerun / floor))
    print('  same, minus the no-op playbook: %.2fx' % ((one_rerun - startup) / floor))
    print('  unchanged module / floor:       %.2fx (module process alone; aim <= 2x)' % (module_rerun / floor))


if __name__ == '__main__':
    main()
