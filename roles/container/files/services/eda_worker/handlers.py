# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The default handler, and how the configured one is found (`module:function`)."""

import datetime
import importlib
import json
import sys

from eda_worker.events import Output, PermanentError


def iso_time(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def enrich(event):
    """The JSON object of the value with an `_eda` object added: where and when the worker got it.

    Same key and headers, to the output topic. A value that is not a JSON object cannot be
    enriched however often it is tried: PermanentError.
    """
    try:
        document = json.loads(event.value)
    except (TypeError, ValueError) as exc:
        raise PermanentError('the value is not JSON: %s' % exc) from None
    if not isinstance(document, dict):
        raise PermanentError('the value is JSON but not an object (%s)' % type(document).__name__)
    document['_eda'] = {
        'received_at': iso_time(event.received_at),
        'source': {'topic': event.topic, 'partition': event.partition, 'offset': event.offset},
        'worker_id': event.worker_id,
    }
    value = json.dumps(document, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    return [Output(value, key=event.key, headers=event.headers)]


class HandlerError(ValueError):
    """The configured handler cannot be loaded."""


def load(spec, paths=()):
    """The function `module:function` names, its module imported with the given directories on sys.path."""
    module_name, separator, function_name = spec.partition(':')
    if not separator or not module_name or not function_name:
        raise HandlerError('handler %r must be module:function, e.g. eda_worker.handlers:enrich' % spec)
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise HandlerError('handler module %s cannot be imported (searched also %s): %s'
                           % (module_name, ', '.join(paths) or 'no extra path', exc)) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise HandlerError('module %s has no function %s' % (module_name, function_name))
    return function
