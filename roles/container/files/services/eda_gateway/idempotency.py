# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Idempotency-Key: a retry within the window gets the first answer and produces nothing.

Keys are scoped by source (two sources may use the same key) and bound to a fingerprint of the
request (topic, content type, body): the same key with another request is refused rather than
answered with an unrelated result. A retry that comes while the first request is still waiting
for Kafka waits for that answer. Only answers of requests that reached the producer are kept;
a refused request (429, 4xx) frees its key so that the retry is handled afresh. The cache is an
LRU bounded in entries and age; a request whose key was evicted is produced again.
"""

import asyncio
import collections
import hashlib
import time

MAX_KEY_LENGTH = 255


class KeyReused(Exception):
    pass


def request_fingerprint(topic, content_type, body):
    digest = hashlib.sha256()
    for part in (topic.encode('utf-8'), content_type.encode('utf-8'), body):
        digest.update(len(part).to_bytes(8, 'big'))
        digest.update(part)
    return digest.digest()


class Entry(object):
    __slots__ = ('fingerprint', 'answer', 'created')

    def __init__(self, fingerprint, answer, created):
        self.fingerprint = fingerprint
        self.answer = answer  # an asyncio.Future of (status, body) while in flight
        self.created = created


class IdempotencyCache(object):
    def __init__(self, window_s, max_keys, clock=time.monotonic):
        self.window_s = window_s
        self.max_keys = max_keys
        self.clock = clock
        self.entries = collections.OrderedDict()

    def __len__(self):
        return len(self.entries)

    def expire(self):
        limit = self.clock() - self.window_s
        while self.entries:
            key, entry = next(iter(self.entries.items()))
            if entry.created >= limit:
                break
            del self.entries[key]

    def claim(self, scope, key, fingerprint):
        """(True, future) for the first request of this key: it must resolve() or release();
        (False, future) for a retry: await the future for the first answer."""
        self.expire()
        entry = self.entries.get((scope, key))
        if entry is not None:
            if entry.fingerprint != fingerprint:
                raise KeyReused('Idempotency-Key %r was used for a different request within the last %ss' % (key, self.window_s))
            return False, entry.answer
        future = asyncio.get_running_loop().create_future()
        self.entries[(scope, key)] = Entry(fingerprint, future, self.clock())
        while len(self.entries) > self.max_keys:
            self.entries.popitem(last=False)
        return True, future

    def resolve(self, scope, key, answer):
        entry = self.entries.get((scope, key))
        if entry is not None and not entry.answer.done():
            entry.answer.set_result(answer)

    def release(self, scope, key, answer):
        """Forget the key (the request was refused before producing); waiting retries get this answer."""
        entry = self.entries.pop((scope, key), None)
        if entry is not None and not entry.answer.done():
            entry.answer.set_result(answer)
