# Copyright (c) 2026, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The scenario's handler, mounted into the workers as a user's module would be.

It enriches every event as the default handler does, and fails on an event whose JSON value
has "fail": true, so that the verification sees the retries and the dead-letter topic.
"""

import json

from eda_worker import handlers


class Refused(Exception):
    pass


def handle(event):
    value = json.loads(event.value)
    if isinstance(value, dict) and value.get('fail'):
        raise Refused('the scenario refuses event %s' % value.get('n'))
    return handlers.enrich(event)
