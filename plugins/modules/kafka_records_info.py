#!/usr/bin/python
# Copyright (c) 2026, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: kafka_records_info
short_description: Read records of a Kafka topic, filtered and bounded, and optionally wait for them
version_added: 0.1.0
description:
  - Reads the records of one topic from the start of each partition, from given offsets, from a
    point in time, or only the last ones, up to the end the partitions had when the module started.
  - Keeps the records that match O(key) and O(headers), at most O(max_records) of them, so that the
    control node's memory stays bounded however large the topic is.
  - With O(min_records), waits up to O(timeout) seconds for that many matching records, counting the
    ones produced while it waits; this is how a playbook checks that events it sent came out of a
    pipeline (for example the workers' output topic).
  - Assigns the partitions itself and never joins a consumer group, so it moves no group's offsets.
extends_documentation_fragment:
  - eda.platform.kafka_connection
  - eda.platform.attributes
  - eda.platform.attributes.info_module
options:
  topic:
    description:
      - The topic to read.
    type: str
    required: true
  partitions:
    description:
      - The partitions to read; every partition of the topic without it.
    type: list
    elements: int
  start_offsets:
    description:
      - 'The offset to start at per partition, for example V({0: 120, 1: 98}). A partition that is
        not named starts at its beginning.'
      - Mutually exclusive with O(start_timestamp) and O(last).
    type: dict
  start_timestamp:
    description:
      - Start at the first record of each partition whose timestamp is at or after this time, in
        milliseconds since the epoch (what C(now()) gives, times 1000).
    type: int
  last:
    description:
      - Read only the last N records of each partition (before its end when the module started).
    type: int
  key:
    description:
      - Keep only the records with this key (compared as UTF-8 text).
    type: str
  headers:
    description:
      - Keep only the records that have each of these headers with this value (UTF-8 text).
    type: dict
  value_format:
    description:
      - How to return each value. V(json) parses it (a value that is not JSON fails the task and
        names its partition and offset); V(text) decodes it as UTF-8; V(base64) returns the bytes
        as base64. A null value is returned as V(null) in every format.
    type: str
    choices: [json, text, base64]
    default: text
  max_records:
    description:
      - The most matching records to return. Reading stops there, and RV(truncated) is V(true).
    type: int
    default: 1000
  min_records:
    description:
      - Wait until at least this many matching records were read, including records produced after
        the module started. Fewer within O(timeout) fail the task, with the records found so far.
    type: int
    default: 0
  timeout:
    description:
      - Seconds to read (and wait for O(min_records)) before the task fails.
    type: int
    default: 30
notes:
  - The records are read with kafka-python on the node the task runs on, usually the control node
    (C(delegate_to) or C(ansible_python_interpreter)).
seealso:
  - module: eda.platform.kafka_topic_info
  - module: eda.platform.kafka_verify
'''

EXAMPLES = r'''
- name: Read the last 10 records of each partition
  eda.platform.kafka_records_info:
    bootstrap_servers: kafka1:9092
    topic: orders
    last: 10
    value_format: json
  register: orders

- name: Wait until the workers handled the 100 events this run sent (tagged by a header)
  eda.platform.kafka_records_info:
    bootstrap_servers: kafka1:9092
    topic: events.handled
    start_timestamp: "{{ sent_at_ms }}"
    headers:
      run-id: "{{ run_id }}"
    min_records: 100
    max_records: 200
    timeout: 60
    value_format: json
  register: handled

- name: Show the dead letters of one key with their error
  eda.platform.kafka_records_info:
    bootstrap_servers: kafka1:9092
    topic: events.dead-letter
    key: customer-42
  register: dead

- name: Print why each failed
  ansible.builtin.debug:
    msg: "{{ dead.records | map(attribute='headers') | map(attribute='eda.error.message') }}"
'''

RETURN = r'''
records:
  description: The matching records, partition by partition, each in offset order.
  returned: always
  type: list
  elements: dict
  contains:
    partition:
      description: Partition of the record.
      type: int
      sample: 0
    offset:
      description: Offset of the record.
      type: int
      sample: 42
    timestamp:
      description: Timestamp of the record, milliseconds since the epoch.
      type: int
      sample: 1796428800000
    key:
      description: Key as UTF-8 text, null when the record has none.
      type: str
      sample: customer-42
    value:
      description: Value in O(value_format), null for a null value (a tombstone).
      type: raw
      sample: {"order": 1}
    headers:
      description: Headers as UTF-8 text by name; of a name repeated, the last value.
      type: dict
      sample: {"run-id": "0f4c"}
count:
  description: Number of records returned.
  returned: always
  type: int
  sample: 100
scanned:
  description: Number of records read, matching or not.
  returned: always
  type: int
  sample: 2500
truncated:
  description: Whether reading stopped at O(max_records) with records left to read.
  returned: always
  type: bool
  sample: false
start_offsets:
  description: The offset each partition was read from, by partition.
  returned: always
  type: dict
  sample: {"0": 0, "1": 0}
end_offsets:
  description: The end of each partition when the module started, by partition.
  returned: always
  type: dict
  sample: {"0": 1250, "1": 1250}
'''

import base64
import json
import time

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.eda.platform.plugins.module_utils import kafka_admin
from ansible_collections.eda.platform.plugins.module_utils.kafka_client import AnsibleKafkaModule, ModuleFailure, client_kwargs

try:
    from kafka import KafkaConsumer, TopicPartition
except ImportError:
    pass  # AnsibleKafkaModule fails the task with the install hint

POLL_MS = 500
# Above this the records would not fit a task result that Ansible can handle well.
MOST_RECORDS = 100000


def text(data):
    return None if data is None else to_text(data, errors='surrogate_or_replace')


def decode_value(data, value_format, partition, offset):
    if data is None:
        return None
    if value_format == 'base64':
        return to_text(base64.b64encode(data))
    if value_format == 'text':
        return text(data)
    try:
        return json.loads(to_text(data, errors='surrogate_or_strict'))
    except ValueError as exc:
        raise ModuleFailure('The value of the record at partition %d offset %d is not JSON (%s); read it with value_format text or base64'
                            % (partition, offset, exc))


def record_headers(headers):
    return dict((to_text(name), text(value)) for name, value in headers or [])


class RecordFilter(object):
    """The key and headers a record must have to be kept."""

    def __init__(self, key, headers):
        self.key = key
        self.headers = dict((to_text(name), to_text(value)) for name, value in (headers or {}).items())

    def keeps(self, message):
        if self.key is not None and text(message.key) != self.key:
            return False
        if self.headers:
            have = record_headers(message.headers)
            return all(have.get(name) == value for name, value in self.headers.items())
        return True


class RecordReader(object):
    """The chosen partitions, from their start offsets to their ends (or until enough matched)."""

    def __init__(self, client):
        params = client.params
        self.client = client
        self.topic = params['topic']
        self.filter = RecordFilter(params['key'], params['headers'])
        for name in ('max_records', 'timeout'):
            if params[name] < 1:
                raise ModuleFailure('%s must be at least 1, not %d' % (name, params[name]))
        for name in ('min_records', 'last'):
            if (params[name] or 0) < 0:
                raise ModuleFailure('%s must not be negative, not %d' % (name, params[name]))
        if params['max_records'] > MOST_RECORDS:
            raise ModuleFailure('max_records is at most %d, not %d: read a large topic in pieces with start_offsets'
                                % (MOST_RECORDS, params['max_records']))
        if params['min_records'] > params['max_records']:
            raise ModuleFailure('min_records (%d) is above max_records (%d)' % (params['min_records'], params['max_records']))
        self.start_offsets = self._offsets_by_partition(params['start_offsets'] or {})

    @staticmethod
    def _offsets_by_partition(offsets):
        try:
            chosen = dict((int(partition), int(offset)) for partition, offset in offsets.items())
        except (TypeError, ValueError):
            raise ModuleFailure('start_offsets maps partition numbers to offsets, for example {0: 120}; got %r' % (offsets,))
        negative = sorted(partition for partition, offset in chosen.items() if offset < 0)
        if negative:
            raise ModuleFailure('start_offsets are offsets, not negative numbers: partition(s) %s' % ', '.join(map(str, negative)))
        return chosen

    def chosen_partitions(self, admin):
        metadata = kafka_admin.topic_metadata(admin, [self.topic])
        if self.topic not in metadata:
            raise ModuleFailure('Topic %s does not exist' % self.topic)
        existing = sorted(p['partition_index'] for p in metadata[self.topic]['partitions'])
        wanted = self.client.params['partitions']
        named = set(wanted or []) | set(self.start_offsets)
        unknown = sorted(named - set(existing))
        if unknown:
            raise ModuleFailure('Topic %s has partitions %s, not %s' % (self.topic, ', '.join(map(str, existing)), ', '.join(map(str, unknown))))
        return [TopicPartition(self.topic, p) for p in (sorted(set(wanted)) if wanted else existing)]

    def starts(self, consumer, partitions, beginnings, ends):
        params = self.client.params
        if params['start_timestamp'] is not None:
            found = consumer.offsets_for_times(dict((tp, params['start_timestamp']) for tp in partitions))
            return dict((tp, found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions)
        if params['last'] is not None:
            return dict((tp, max(beginnings[tp], ends[tp] - params['last'])) for tp in partitions)
        # An offset below the log start (deleted by retention) reads from where the log starts now.
        return dict((tp, max(beginnings[tp], self.start_offsets.get(tp.partition, 0))) for tp in partitions)

    def run(self, admin):
        partitions = self.chosen_partitions(admin)
        consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, **client_kwargs(self.client.params))
        try:
            consumer.assign(partitions)
            ends = consumer.end_offsets(partitions)
            starts = self.starts(consumer, partitions, consumer.beginning_offsets(partitions), ends)
            for tp in partitions:
                consumer.seek(tp, starts[tp])
            result = self.read(consumer, partitions, ends)
        finally:
            consumer.close()
        result.update(
            changed=False,
            start_offsets=dict((str(tp.partition), starts[tp]) for tp in partitions),
            end_offsets=dict((str(tp.partition), ends[tp]) for tp in partitions))
        return result

    def read(self, consumer, partitions, ends):
        params = self.client.params
        kept, scanned = {}, 0
        deadline = time.monotonic() + params['timeout']
        while True:
            count = sum(len(records) for records in kept.values())
            if count >= params['max_records']:
                return self.result(kept, scanned, truncated=any(consumer.position(tp) < ends[tp] for tp in partitions))
            at_end = all(consumer.position(tp) >= ends[tp] for tp in partitions)
            if at_end and count >= params['min_records']:
                return self.result(kept, scanned, truncated=False)
            if time.monotonic() >= deadline:
                raise self.too_slow(kept, scanned, at_end)
            for tp, messages in consumer.poll(timeout_ms=POLL_MS, max_records=params['max_records'] - count).items():
                scanned += len(messages)
                kept.setdefault(tp.partition, []).extend(self.report(m) for m in messages if self.filter.keeps(m))

    def report(self, message):
        return dict(partition=message.partition, offset=message.offset, timestamp=message.timestamp, key=text(message.key),
                    value=decode_value(message.value, self.client.params['value_format'], message.partition, message.offset),
                    headers=record_headers(message.headers))

    def result(self, kept, scanned, truncated):
        records = [record for partition in sorted(kept) for record in kept[partition]][:self.client.params['max_records']]
        return dict(records=records, count=len(records), scanned=scanned, truncated=truncated)

    def too_slow(self, kept, scanned, at_end):
        params = self.client.params
        found = self.result(kept, scanned, truncated=False)
        if not at_end:
            return ModuleFailure('Could not read %s to the end within %ss (%d records read); raise timeout or read fewer partitions'
                                 % (self.topic, params['timeout'], scanned), **found)
        return ModuleFailure('Found %d of the %d matching records waited for in %s within %ss (%d records read)'
                             % (found['count'], params['min_records'], self.topic, params['timeout'], scanned), **found)


def main():
    options = dict(
        topic=dict(type='str', required=True),
        partitions=dict(type='list', elements='int'),
        start_offsets=dict(type='dict'),
        start_timestamp=dict(type='int'),
        last=dict(type='int'),
        key=dict(type='str', no_log=False),
        headers=dict(type='dict'),
        value_format=dict(type='str', default='text', choices=['json', 'text', 'base64']),
        max_records=dict(type='int', default=1000),
        min_records=dict(type='int', default=0),
        timeout=dict(type='int', default=30),
    )
    client = AnsibleKafkaModule(options, failure='Cannot read the records',
                                mutually_exclusive=[('start_offsets', 'start_timestamp', 'last')])
    client.run(RecordReader)


if __name__ == '__main__':
    main()
