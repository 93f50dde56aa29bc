# Copyright (c) 2025, eda.platform developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure logic of kafka_consumer_group_info: what kafka-consumer-groups.sh --describe shows.

Inputs are plain data: a group's listing and description as kafka-python returns them, and
offsets keyed by (topic, partition) tuples.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def member_partitions(member):
    """(topic, partition) pairs assigned to a described group member."""
    assignment = member.get('member_assignment') or {}
    if not isinstance(assignment, dict):
        return []  # a non-consumer protocol: the assignment is opaque bytes
    return [(item['topic'], partition) for item in assignment.get('assigned_partitions') or []
            for partition in item['partitions']]


def _member(member):
    return dict(member_id=member.get('member_id'), group_instance_id=member.get('group_instance_id'),
                client_id=member.get('client_id'), host=member.get('client_host'),
                assignment=['%s-%d' % tp for tp in sorted(member_partitions(member))])


def _lag(offset, start, end):
    """Log end minus the committed offset. Without a committed offset the group has not
    confirmed reading any of the log, so it lags by the whole log (end minus start); where
    the topic is gone there is no log and no lag (None)."""
    if end is None:
        return None
    if offset is not None:
        return end - offset
    return end - start if start is not None else None


def partition_rows(description, committed, end_offsets, start_offsets):
    """One row per partition the group committed or is assigned, as kafka-consumer-groups.sh
    prints them, except that an assigned partition without a committed offset lags by its
    whole log where kafka-consumer-groups.sh shows '-'."""
    owners = {}
    for member in description.get('members') or []:
        for tp in member_partitions(member):
            owners[tp] = member
    rows = []
    for topic, partition in sorted(set(committed) | set(owners)):
        offset = committed.get((topic, partition))
        if offset is not None and offset < 0:
            offset = None
        end = end_offsets.get((topic, partition))
        owner = owners.get((topic, partition), {})
        rows.append(dict(topic=topic, partition=partition, committed_offset=offset, log_end_offset=end,
                         lag=_lag(offset, start_offsets.get((topic, partition)), end),
                         member_id=owner.get('member_id'), client_id=owner.get('client_id'),
                         host=owner.get('client_host')))
    return rows


def group_report(listing, description, committed, end_offsets, start_offsets):
    rows = partition_rows(description, committed, end_offsets, start_offsets)
    topic_lag = {}
    for row in rows:
        topic_lag.setdefault(row['topic'], 0)
        topic_lag[row['topic']] += row['lag'] or 0
    return dict(
        group_id=listing['group_id'],
        state=description.get('group_state') or listing.get('group_state'),
        protocol_type=listing.get('protocol_type'),
        group_type=listing.get('group_type'),
        assignor=description.get('protocol_data') or None,
        error=description.get('error'),
        members=[_member(member) for member in description.get('members') or []],
        partitions=rows,
        uncommitted_partitions=['%s-%d' % (row['topic'], row['partition']) for row in rows
                                if row['committed_offset'] is None and row['log_end_offset'] is not None],
        topic_lag=topic_lag,
        total_lag=sum(topic_lag.values()),
    )


def lag_errors(reports, max_lag):
    errors = []
    for report in reports:
        if report['total_lag'] > max_lag:
            error = 'group %s lags %d messages, more than max_lag %d' % (report['group_id'], report['total_lag'], max_lag)
            if report['uncommitted_partitions']:
                error += ' (counting the whole log of the partitions it never committed: %s)' % ', '.join(report['uncommitted_partitions'])
            errors.append(error)
    return errors


def missing_group_error(missing):
    """max_lag on a group that does not exist would pass with no lag: a typo must not look healthy."""
    return ('max_lag cannot be checked for consumer groups that do not exist: %s; check the group ids '
            '(a group exists once a consumer joined it or offsets were committed for it)' % ', '.join(missing))
