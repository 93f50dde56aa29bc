# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Pure logic of kafka_consumer_group_info: rows and lag like kafka-consumer-groups.sh."""

from ansible_collections.eda.platform.plugins.module_utils import kafka_groups as kg

MEMBER = dict(member_id='m-1', group_instance_id=None, client_id='app', client_host='/10.0.0.5',
              member_assignment={'assigned_partitions': [{'topic': 'orders', 'partitions': [1, 0]}], 'user_data': ''})
LISTING = dict(group_id='billing', protocol_type='consumer', group_state='Stable', group_type='classic')
DESCRIPTION = dict(group_id='billing', group_state='Stable', protocol_data='range', members=[MEMBER], error=None)


def test_member_partitions():
    assert kg.member_partitions(MEMBER) == [('orders', 1), ('orders', 0)]
    assert kg.member_partitions(dict(member_assignment=b'\x00opaque')) == []
    assert kg.member_partitions({}) == []


def test_report_rows_lag_and_totals():
    committed = {('orders', 0): 90, ('orders', 1): -1, ('audit', 0): 5}
    end_offsets = {('orders', 0): 100, ('orders', 1): 40, ('audit', 0): 5}
    start_offsets = {('orders', 1): 15}
    report = kg.group_report(LISTING, DESCRIPTION, committed, end_offsets, start_offsets)
    assert report['partitions'] == [
        dict(topic='audit', partition=0, committed_offset=5, log_end_offset=5, lag=0, member_id=None, client_id=None, host=None),
        dict(topic='orders', partition=0, committed_offset=90, log_end_offset=100, lag=10, member_id='m-1', client_id='app', host='/10.0.0.5'),
        # Never committed: the whole log (40 - 15) is lag.
        dict(topic='orders', partition=1, committed_offset=None, log_end_offset=40, lag=25, member_id='m-1', client_id='app', host='/10.0.0.5'),
    ]
    assert report['uncommitted_partitions'] == ['orders-1']
    assert report['topic_lag'] == {'audit': 0, 'orders': 35}
    assert report['total_lag'] == 35
    assert report['state'] == 'Stable' and report['assignor'] == 'range'
    assert report['members'] == [dict(member_id='m-1', group_instance_id=None, client_id='app', host='/10.0.0.5',
                                      assignment=['orders-0', 'orders-1'])]


def test_assigned_partition_of_a_deleted_topic_has_no_lag():
    report = kg.group_report(LISTING, DESCRIPTION, {}, {}, {})
    assert [(r['partition'], r['lag'], r['log_end_offset']) for r in report['partitions']] == [(0, None, None), (1, None, None)]
    assert report['total_lag'] == 0 and report['uncommitted_partitions'] == []


def test_a_group_that_never_committed_lags_by_the_whole_log():
    logs = {('orders', 0): 100, ('orders', 1): 40}
    report = kg.group_report(LISTING, DESCRIPTION, {}, logs, {('orders', 0): 0, ('orders', 1): 40})
    assert [r['lag'] for r in report['partitions']] == [100, 0]
    assert report['total_lag'] == 100 and report['uncommitted_partitions'] == ['orders-0', 'orders-1']
    assert kg.lag_errors([report], 99) == ['group billing lags 100 messages, more than max_lag 99 '
                                           '(counting the whole log of the partitions it never committed: orders-0, orders-1)']


def test_state_from_listing_when_description_failed():
    description = dict(group_state='', members=[], error='GroupIdNotFoundError')
    report = kg.group_report(LISTING, description, {('t', 0): 1}, {('t', 0): 3}, {})
    assert report['state'] == 'Stable' and report['error'] == 'GroupIdNotFoundError' and report['total_lag'] == 2


def test_lag_errors():
    reports = [dict(group_id='a', total_lag=10, uncommitted_partitions=[]), dict(group_id='b', total_lag=11, uncommitted_partitions=[])]
    assert kg.lag_errors(reports, 10) == ['group b lags 11 messages, more than max_lag 10']
    assert kg.lag_errors(reports, 11) == []


def test_missing_group_error():
    assert kg.missing_group_error(['billing', 'biling']) == (
        'max_lag cannot be checked for consumer groups that do not exist: billing, biling; check the group ids '
        '(a group exists once a consumer joined it or offsets were committed for it)')
