# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The produce request of the Strimzi HTTP bridge, parsed and checked whole before anything is produced.

Body: {"records": [{"key", "value", "headers": [{"key", "value": <base64>}], "partition"}]}. The
embedded format comes from the content type: json (key and value any JSON, written as compact
JSON), binary (key and value base64) or text (key and value strings, written as UTF-8).
"""

import base64
import binascii
import json
import math

import orjson

FORMATS = {
    'application/vnd.kafka.json.v2+json': 'json',
    'application/vnd.kafka.binary.v2+json': 'binary',
    'application/vnd.kafka.text.v2+json': 'text',
}
RESPONSE_TYPE = 'application/vnd.kafka.v2+json'
RECORD_FIELDS = {'key', 'value', 'headers', 'partition'}
MAX_PARTITION = 2 ** 31 - 1
COMPACT_JSON = json.JSONEncoder(separators=(',', ':'), ensure_ascii=False)


class RequestError(Exception):
    """A request refused as a whole: nothing of it is produced."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Record(object):
    __slots__ = ('key', 'value', 'headers', 'partition')

    def __init__(self, key, value, headers, partition):
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition

    @property
    def size(self):
        """Bytes this record holds in the producer's buffer (payload only, as librdkafka counts)."""
        return len(self.key or b'') + len(self.value or b'') + sum(len(k) + len(v or b'') for k, v in self.headers)

    def __eq__(self, other):
        return isinstance(other, Record) and all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self):
        return 'Record(%r, %r, %r, %r)' % (self.key, self.value, self.headers, self.partition)


def embedded_format(content_type):
    """'json', 'binary' or 'text' from the Content-Type (parameters such as charset ignored)."""
    media = (content_type or '').split(';', 1)[0].strip().lower()
    if media not in FORMATS:
        raise RequestError(415, 'unsupported Content-Type %r: use one of %s' % (media or '(none)', ', '.join(FORMATS)))
    return FORMATS[media]


def decode_base64(text, what):
    if not isinstance(text, str):
        raise RequestError(422, '%s must be a base64 string' % what)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(422, '%s is not valid base64' % what) from None


def json_bytes(data, what):
    """Compact JSON in UTF-8. orjson writes it in a fifteenth of json's time (most of a batch's
    parsing cost); json takes what orjson refuses: integers beyond 64 bits, very deep nesting."""
    try:
        return orjson.dumps(data)
    except TypeError:
        pass
    try:
        return COMPACT_JSON.encode(data).encode('utf-8')
    except UnicodeEncodeError:
        raise RequestError(422, '%s holds an unpaired surrogate (\\ud800-\\udfff): not valid Unicode' % what) from None
    except RecursionError:
        raise RequestError(422, '%s is nested too deeply' % what) from None


def encode_data(data, fmt, what):
    """Record key or value as bytes for Kafka; None stays None (a null key, or a tombstone value)."""
    if data is None:
        return None
    if fmt == 'json':
        return json_bytes(data, what)
    if fmt == 'binary':
        return decode_base64(data, what)
    if not isinstance(data, str):
        raise RequestError(422, '%s must be a string with the text format' % what)
    return data.encode('utf-8')


def parse_headers(headers, where):
    if headers is None:
        return []
    if not isinstance(headers, list):
        raise RequestError(422, '%s.headers must be a list of {"key", "value"}' % where)
    parsed = []
    for number, header in enumerate(headers):
        what = '%s.headers[%d]' % (where, number)
        if not isinstance(header, dict) or set(header) - {'key', 'value'} or not isinstance(header.get('key'), str) or not header['key']:
            raise RequestError(422, '%s must be {"key": <non-empty string>, "value": <base64>}' % what)
        value = header.get('value')
        parsed.append((header['key'], None if value is None else decode_base64(value, what + '.value')))
    return parsed


def parse_partition(partition, where):
    if partition is None:
        return None
    if not isinstance(partition, int) or isinstance(partition, bool) or not 0 <= partition <= MAX_PARTITION:
        raise RequestError(422, '%s.partition must be an integer from 0' % where)
    return partition


def parse_record(record, fmt, where):
    if not isinstance(record, dict):
        raise RequestError(422, '%s must be an object' % where)
    unknown = sorted(set(record) - RECORD_FIELDS)
    if unknown:
        raise RequestError(422, '%s has unknown field(s) %s (allowed: %s)' % (where, ', '.join(unknown), ', '.join(sorted(RECORD_FIELDS))))
    if 'value' not in record:
        raise RequestError(422, '%s has no value' % where)
    return Record(encode_data(record.get('key'), fmt, where + '.key'), encode_data(record['value'], fmt, where + '.value'),
                  parse_headers(record.get('headers'), where), parse_partition(record.get('partition'), where))


def refuse_constant(name):
    # json reads NaN and Infinity, which are not JSON: a consumer's parser would choke on them.
    raise ValueError('%s is not a JSON value' % name)


def finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError('the number %s is beyond the range of a double' % text)
    return value


def parse_body(body, fmt, max_records):
    """Every record of the body, or RequestError naming the first thing wrong."""
    try:
        document = json.loads(body, parse_constant=refuse_constant, parse_float=finite_float)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(422, 'the body is not valid JSON: %s' % exc) from None
    except RecursionError:
        raise RequestError(422, 'the body is nested too deeply') from None
    if not isinstance(document, dict) or not isinstance(document.get('records'), list):
        raise RequestError(422, 'the body must be an object with a "records" list')
    unknown = sorted(set(document) - {'records'})
    if unknown:
        raise RequestError(422, 'the body has unknown field(s) %s (only "records" is allowed)' % ', '.join(unknown))
    records = document['records']
    if not records:
        raise RequestError(422, '"records" is empty')
    if len(records) > max_records:
        raise RequestError(413, '%d records in one request, the maximum is %d' % (len(records), max_records))
    return [parse_record(record, fmt, 'records[%d]' % number) for number, record in enumerate(records)]


def check_partitions(records, partition_count, topic):
    """Refuse the whole batch when a record names a partition the topic does not have."""
    for number, record in enumerate(records):
        if record.partition is not None and record.partition >= partition_count:
            raise RequestError(422, 'records[%d].partition %d does not exist: topic %s has %d partition(s)'
                               % (number, record.partition, topic, partition_count))


def error_body(status, message):
    return {'error_code': status, 'message': message}


def batch_status(offsets):
    """200 when Kafka took every record; 207 when only some; 503 when none (every error retriable), else 500.

    The body always has one entry per record, so a client can retry exactly the failed ones.
    """
    failed = [entry for entry in offsets if 'error_code' in entry]
    if not failed:
        return 200
    if len(failed) < len(offsets):
        return 207
    return 503 if all(entry['error_code'] in (429, 503) for entry in failed) else 500
