# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Back-pressure: records and bytes accepted but not yet acknowledged, bounded.

A request takes its whole share before its first record is produced, or nothing: when it does
not fit it is answered 429 with Retry-After at once, never queued. The producer's own queue is
sized above these bounds, so it never refuses a record the gateway has accepted.
"""


class Budget(object):
    def __init__(self, max_records, max_bytes):
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.records = 0
        self.bytes = 0

    def try_take(self, records, size):
        if self.records + records > self.max_records or self.bytes + size > self.max_bytes:
            return False
        self.records += records
        self.bytes += size
        return True

    def give_back(self, records, size):
        self.records -= records
        self.bytes -= size
        if self.records < 0 or self.bytes < 0:
            raise AssertionError('budget given back more than was taken')

    @property
    def fill(self):
        """The fuller of the two bounds, 0.0 to 1.0."""
        return max(self.records / self.max_records, self.bytes / self.max_bytes)
