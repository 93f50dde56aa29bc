# Copyright (c) 2025, eda.platform developers
# SPDX-License-Identifier: Apache-2.0
"""Who is calling, and which topics they may write.

Credentials are stored as salted PBKDF2-SHA256 hashes (`pbkdf2_sha256$<iterations>$<salt>$<hash>`,
salt and hash base64). Deriving one costs milliseconds on purpose, so each verified credential is
remembered under a SHA-256 of what was presented (bounded LRU): a source sending thousands of
requests pays the derivation once. Every comparison is constant time.
"""

import base64
import binascii
import collections
import fnmatch
import hashlib
import hmac
import os

SCHEME = 'pbkdf2_sha256'
ITERATIONS = 600000


class AuthError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def b64(data):
    return base64.b64encode(data).decode('ascii')


def hash_secret(secret, iterations=ITERATIONS, salt=None):
    salt = salt or os.urandom(16)
    derived = hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt, iterations)
    return '%s$%d$%s$%s' % (SCHEME, iterations, b64(salt), b64(derived))


def parse_hash(stored):
    try:
        scheme, iterations, salt, derived = stored.split('$')
        if scheme != SCHEME:
            raise ValueError(scheme)
        return int(iterations), base64.b64decode(salt, validate=True), base64.b64decode(derived, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError('not a %s$<iterations>$<salt>$<hash> string' % SCHEME) from None


def verify_secret(secret, stored):
    iterations, salt, derived = parse_hash(stored)
    candidate = hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt, iterations)
    return hmac.compare_digest(candidate, derived)


def topic_allowed(patterns, topic):
    """Exact names, or shell-style globs (`orders.*`, `audit-?`); case-sensitive as Kafka is."""
    return any(fnmatch.fnmatchcase(topic, pattern) for pattern in patterns)


def credentials_of(headers):
    """('key', secret) from `Authorization: Bearer` or `X-API-Key`, ('basic', (user, password)), or None."""
    api_key = headers.get('X-API-Key')
    if api_key:
        return 'key', api_key
    authorization = headers.get('Authorization', '')
    scheme, space, value = authorization.partition(' ')
    if scheme.lower() == 'bearer' and value.strip():
        return 'key', value.strip()
    if scheme.lower() == 'basic' and value.strip():
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode('utf-8').partition(':')
        except (binascii.Error, UnicodeDecodeError):
            raise AuthError(401, 'the Basic credentials are not base64 of user:password') from None
        if not sep:
            raise AuthError(401, 'the Basic credentials are not base64 of user:password')
        return 'basic', (user, password)
    if authorization:
        raise AuthError(401, 'unsupported Authorization scheme %r (use Bearer, Basic or X-API-Key)' % scheme)
    return None


class Source(object):
    def __init__(self, name, topics, api_key_hashes=(), username=None, password_hash=None):
        self.name = name
        self.topics = list(topics)
        self.api_key_hashes = list(api_key_hashes or ())
        self.username = username
        self.password_hash = password_hash
        for stored in self.api_key_hashes + ([password_hash] if password_hash else []):
            parse_hash(stored)  # a malformed hash fails at start, not at the first request

    def may_write(self, topic):
        return topic_allowed(self.topics, topic)


class Authenticator(object):
    """Finds the source of a request's credentials; remembers each answer (hit or miss) in an LRU."""

    def __init__(self, sources, required=True, cache_size=10000):
        self.sources = [Source(**source) for source in sources]
        self.by_username = dict((s.username, s) for s in self.sources if s.username)
        self.required = required
        self.cache_size = cache_size
        self.cache = collections.OrderedDict()
        self.derivations = 0

    def fingerprint(self, credentials):
        """A SHA-256 of what was presented: the cache key, so the cache never holds a secret as such."""
        kind, value = credentials
        if kind == 'key':
            return hashlib.sha256(b'key\0' + value.encode('utf-8')).digest()
        user, password = value
        return hashlib.sha256(b'basic\0' + user.encode('utf-8') + b'\0' + password.encode('utf-8')).digest()

    def lookup(self, fingerprint):
        """(True, source or None) when this credential was verified before, else (False, None)."""
        if fingerprint in self.cache:
            self.cache.move_to_end(fingerprint)
            return True, self.cache[fingerprint]
        return False, None

    def remember(self, fingerprint, source):
        self.cache[fingerprint] = source
        self.cache.move_to_end(fingerprint)
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    def find(self, credentials):
        """The slow path (key derivations): run it off the event loop."""
        kind, value = credentials
        if kind == 'key':
            return self.find_by_key(value)
        return self.find_by_password(*value)

    def find_by_key(self, secret):
        for source in self.sources:
            for stored in source.api_key_hashes:
                self.derivations += 1
                if verify_secret(secret, stored):
                    return source
        return None

    def find_by_password(self, user, password):
        source = self.by_username.get(user)
        if source is None:
            return None
        self.derivations += 1
        return source if verify_secret(password, source.password_hash) else None

    def credentials(self, headers):
        """The request's credentials; None when there are none and authentication is off."""
        credentials = credentials_of(headers)
        if credentials is None and self.required:
            raise AuthError(401, 'credentials required: Authorization: Bearer <api key>, X-API-Key or Basic')
        return credentials

    def authenticate(self, headers):
        """The Source of the request (None when authentication is off), else AuthError(401). Synchronous."""
        credentials = self.credentials(headers)
        if credentials is None:
            return None
        fingerprint = self.fingerprint(credentials)
        known, source = self.lookup(fingerprint)
        if not known:
            source = self.find(credentials)
            self.remember(fingerprint, source)
        return checked(source)

    def authorize(self, source, topic):
        if source is not None and not source.may_write(topic):
            raise AuthError(403, 'source %s may not write to topic %s' % (source.name, topic))


def checked(source):
    if source is None:
        raise AuthError(401, 'unknown API key or wrong user name or password')
    return source
