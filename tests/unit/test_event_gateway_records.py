# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""event_gateway: the produce request (Strimzi bridge format) parsed and checked whole, and the batch status."""

import base64
import json

import pytest

from eda_gateway import records as rq


def b64(data):
    return base64.b64encode(data).decode()


def body(*records, **extra):
    return json.dumps(dict(records=list(records), **extra)).encode()


def refused(status, fragment, raw, fmt='json', max_records=10):
    with pytest.raises(rq.RequestError) as caught:
        rq.parse_body(raw, fmt, max_records)
    assert caught.value.status == status
    assert fragment in caught.value.message
    return caught.value


class TestContentType:
    @pytest.mark.parametrize('content_type, fmt', [
        ('application/vnd.kafka.json.v2+json', 'json'),
        ('application/vnd.kafka.binary.v2+json', 'binary'),
        ('application/vnd.kafka.text.v2+json; charset=utf-8', 'text'),
        ('Application/VND.kafka.json.v2+JSON', 'json'),
    ])
    def test_known(self, content_type, fmt):
        assert rq.embedded_format(content_type) == fmt

    @pytest.mark.parametrize('content_type', ['application/json', '', None, 'application/vnd.kafka.avro.v2+json'])
    def test_unsupported_is_415_naming_the_choices(self, content_type):
        with pytest.raises(rq.RequestError) as caught:
            rq.embedded_format(content_type)
        assert caught.value.status == 415
        assert 'application/vnd.kafka.binary.v2+json' in caught.value.message


class TestRecords:
    def test_json_key_value_headers_partition(self):
        parsed = rq.parse_body(body({'key': {'id': 7}, 'value': {'a': [1, 'é']}, 'partition': 2,
                                     'headers': [{'key': 'trace', 'value': b64(b'\x00\x01')}, {'key': 'empty', 'value': None}]}), 'json', 10)
        assert parsed == [rq.Record(b'{"id":7}', '{"a":[1,"é"]}'.encode(), [('trace', b'\x00\x01'), ('empty', None)], 2)]

    def test_json_string_value_is_written_as_json(self):
        assert rq.parse_body(body({'value': 'hi'}), 'json', 10)[0].value == b'"hi"'

    def test_null_value_is_a_tombstone_and_no_key_is_none(self):
        assert rq.parse_body(body({'value': None}), 'json', 10) == [rq.Record(None, None, [], None)]

    def test_binary_is_base64(self):
        parsed = rq.parse_body(body({'key': b64(b'k\xff'), 'value': b64(b'\x00v')}), 'binary', 10)
        assert (parsed[0].key, parsed[0].value) == (b'k\xff', b'\x00v')

    def test_text_is_utf8(self):
        assert rq.parse_body(body({'key': 'clé', 'value': 'texte'}), 'text', 10)[0].key == 'clé'.encode()

    def test_size_counts_key_value_and_headers(self):
        assert rq.Record(b'kk', b'vvv', [('h', b'12'), ('x', None)], None).size == 2 + 3 + 3 + 1

    def test_order_is_kept(self):
        parsed = rq.parse_body(body(*[{'value': n} for n in range(5)]), 'json', 10)
        assert [record.value for record in parsed] == [b'0', b'1', b'2', b'3', b'4']


class TestJsonWritten:
    """orjson writes the values; what it cannot write goes through json, and what is not JSON is refused."""

    def value_of(self, raw):
        return rq.parse_body(raw, 'json', 10)[0].value

    def test_compact_utf8_as_json_writes_it(self):
        document = {'b': [1, 2.5, None, True], 'a': 'é \u2028 "q" \\', 'n': {'x': -0.0}}
        assert self.value_of(body({'value': document})) == json.dumps(document, separators=(',', ':'), ensure_ascii=False).encode()

    def test_integers_beyond_64_bits_are_kept_exactly(self):
        assert self.value_of(b'{"records": [{"value": {"id": 123456789012345678901234567890}}]}') == b'{"id":123456789012345678901234567890}'

    def test_deep_nesting_beyond_orjson_is_written_by_json(self):
        raw = b'{"records": [{"value": ' + b'[' * 300 + b']' * 300 + b'}]}'
        assert self.value_of(raw) == b'[' * 300 + b']' * 300

    @pytest.mark.parametrize('literal', ['NaN', 'Infinity', '-Infinity'])
    def test_non_json_constants_are_422(self, literal):
        refused(422, '%s is not a JSON value' % literal, b'{"records": [{"value": %s}]}' % literal.encode())

    def test_a_number_beyond_a_double_is_422(self):
        refused(422, 'the number 1e400 is beyond the range of a double', b'{"records": [{"value": 1e400}]}')

    def test_unpaired_surrogate_is_422(self):
        refused(422, 'records[0].value holds an unpaired surrogate', b'{"records": [{"value": "\\ud800"}]}')

    def test_nesting_beyond_the_parser_is_422(self):
        refused(422, 'nested too deeply', b'{"records": [{"value": ' + b'[' * 100000 + b']' * 100000 + b'}]}')


class TestRefused:
    def test_not_json(self):
        refused(422, 'not valid JSON', b'{"records": [')

    def test_not_utf8(self):
        refused(422, 'not valid JSON', b'\xff\xfe')

    @pytest.mark.parametrize('raw', [b'[]', b'{"records": {}}', b'{}', b'"x"'])
    def test_no_records_list(self, raw):
        refused(422, '"records" list', raw)

    def test_empty_records(self):
        refused(422, 'is empty', body())

    def test_unknown_top_level_field(self):
        refused(422, 'unknown field(s) async', body({'value': 1}, **{'async': True}))

    def test_too_many_records_is_413(self):
        refused(413, '11 records in one request, the maximum is 10', body(*[{'value': 1}] * 11))

    def test_record_not_an_object(self):
        refused(422, 'records[1] must be an object', body({'value': 1}, 5))

    def test_missing_value(self):
        refused(422, 'records[0] has no value', body({'key': 'k'}))

    def test_unknown_record_field(self):
        refused(422, 'records[0] has unknown field(s) timestamp', body({'value': 1, 'timestamp': 3}))

    @pytest.mark.parametrize('partition', [-1, 'one', 1.5, True, 2 ** 31])
    def test_bad_partition(self, partition):
        refused(422, 'records[0].partition must be an integer', body({'value': 1, 'partition': partition}))

    def test_binary_not_base64(self):
        refused(422, 'records[0].value is not valid base64', body({'value': 'not base64!'}), fmt='binary')

    def test_binary_not_a_string(self):
        refused(422, 'records[0].key must be a base64 string', body({'key': 3, 'value': b64(b'v')}), fmt='binary')

    def test_text_not_a_string(self):
        refused(422, 'records[0].value must be a string', body({'value': {'a': 1}}), fmt='text')

    @pytest.mark.parametrize('headers, fragment', [
        ({'k': 'v'}, 'headers must be a list'),
        ([{'key': '', 'value': 'eA=='}], 'headers[0] must be'),
        ([{'value': 'eA=='}], 'headers[0] must be'),
        ([{'key': 'k', 'value': 'eA==', 'extra': 1}], 'headers[0] must be'),
        ([{'key': 'k', 'value': '***'}], 'headers[0].value is not valid base64'),
    ])
    def test_bad_headers(self, headers, fragment):
        refused(422, fragment, body({'value': 1}, {'value': 2, 'headers': headers}))

    def test_the_first_bad_record_is_named_even_after_good_ones(self):
        error = refused(422, 'records[2]', body({'value': 1}, {'value': 2}, {'value': 3, 'partition': -4}))
        assert 'records[0]' not in error.message


class TestPartitions:
    def test_existing_partitions_pass(self):
        rq.check_partitions([rq.Record(None, b'1', [], 0), rq.Record(None, b'1', [], None), rq.Record(None, b'1', [], 2)], 3, 't')

    def test_missing_partition_refuses_the_batch(self):
        with pytest.raises(rq.RequestError) as caught:
            rq.check_partitions([rq.Record(None, b'1', [], 0), rq.Record(None, b'1', [], 3)], 3, 'orders')
        assert caught.value.status == 422
        assert caught.value.message == 'records[1].partition 3 does not exist: topic orders has 3 partition(s)'


class TestBatchStatus:
    OK = {'partition': 0, 'offset': 1}

    def test_all_acknowledged(self):
        assert rq.batch_status([self.OK, self.OK]) == 200

    def test_some_failed_is_multi_status(self):
        assert rq.batch_status([self.OK, {'error_code': 503, 'message': 'timed out'}]) == 207

    def test_all_failed_retriable_is_503(self):
        assert rq.batch_status([{'error_code': 503, 'message': 'x'}, {'error_code': 429, 'message': 'y'}]) == 503

    def test_all_failed_with_a_permanent_error_is_500(self):
        assert rq.batch_status([{'error_code': 503, 'message': 'x'}, {'error_code': 500, 'message': 'y'}]) == 500
