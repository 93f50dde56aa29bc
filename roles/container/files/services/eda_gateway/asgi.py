# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""The few pieces of ASGI the gateway needs (uvicorn serves it): a request read from scope and
receive, and an answer sent in two messages. No framework: benchmarks/gateway_http.py measured
aiohttp's request handling at 1.4x the CPU of uvicorn's httptools parser for the same requests.
"""

import json


class ClientGone(Exception):
    """The client closed its connection before its request was read."""


class Headers(dict):
    """Request headers by lower-case name; get() takes any case. Repeated headers are joined by ', '."""

    @classmethod
    def of_scope(cls, raw):
        headers = cls()
        for name, value in raw:
            name, value = name.decode('latin-1').lower(), value.decode('latin-1')
            headers[name] = headers[name] + ', ' + value if name in headers else value
        return headers

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class Request(object):
    def __init__(self, scope, receive):
        self.method = scope['method']
        self.path = scope['path']
        self.headers = Headers.of_scope(scope['headers'])
        self.receive = receive

    @property
    def content_length(self):
        """The Content-Length header as a number, None when absent or not a number."""
        value = self.headers.get('content-length')
        return int(value) if value is not None and value.isdigit() else None

    async def chunks(self):
        """The body as it arrives; ClientGone if the client leaves first."""
        while True:
            message = await self.receive()
            if message['type'] == 'http.disconnect':
                raise ClientGone()
            yield message.get('body', b'')
            if not message.get('more_body', False):
                return


class Response(object):
    def __init__(self, status, body, content_type, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}

    @classmethod
    def json(cls, status, document, content_type, headers=None):
        return cls(status, json.dumps(document).encode('utf-8'), content_type, headers)

    async def send(self, send):
        headers = [(b'content-type', self.content_type.encode('latin-1')), (b'content-length', b'%d' % len(self.body))]
        headers.extend((name.lower().encode('latin-1'), value.encode('latin-1')) for name, value in self.headers.items())
        await send({'type': 'http.response.start', 'status': self.status, 'headers': headers})
        await send({'type': 'http.response.body', 'body': self.body})
