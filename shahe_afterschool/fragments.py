"""Versions of what a cached fragment shows (issue 23).

A page part that many readers share (the bureau's school list, the escalated incidents, a duty
console's day) is rendered once and kept in the cache under a key that names a **version**: a random
token per subject (`"schools:list"`, `"attendance:console:v:<school>:<date>"`), replaced by every
write that changes what the fragment shows (`changed`). A write replaces the token at once and again
after its transaction commits, so that a read that started before the commit, and stored what it saw
under the first new token, is never read again. A token lost from the cache is replaced by a new
one (never by an old value): an eviction costs one computation, never shows an old fragment.

The key also names what else the fragment depends on (the reader's scope, the filters, the page,
the language); those are the caller's, in `key(...)`.
"""
from __future__ import annotations

import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils.translation import get_language

#: How long a version token is kept; a lost token is replaced by a new one.
VERSION_SECONDS = 3 * 24 * 3600


def _version_key(subject: str) -> str:
    return f"fragments:v:{subject}"


def version(subject: str) -> str:
    """The current token of `subject` (made now when there is none)."""
    key = _version_key(subject)
    token = cache.get(key)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(key, token, VERSION_SECONDS):  # another request made one first
            token = cache.get(key) or token
    return token


def changed(subject: str) -> None:
    """What `subject`'s fragments show has changed: a new token now, and another after the current
    transaction commits (a read between the two may store the state before the commit under the
    first; the second leaves it unread)."""
    key = _version_key(subject)
    cache.set(key, uuid.uuid4().hex, VERSION_SECONDS)
    transaction.on_commit(lambda: cache.set(key, uuid.uuid4().hex, VERSION_SECONDS))


def key(name: str, subject: str, *parts) -> str:
    """A cache key for fragment `name` of `subject` at its current version, in the active language,
    for `parts` (the reader's scope, filters, page: anything else the fragment depends on)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f"fragments:{name}:{version(subject)}:{get_language() or ''}:{digest}"


def csrf_secret(request) -> str:
    """A digest of the reader's CSRF secret, for the key of a kept fragment that holds forms: their
    tokens are valid for that secret only (made now when the request has none, as rendering the
    forms would)."""
    secret = request.META.get("CSRF_COOKIE") or ""
    if not secret:
        get_token(request)
        secret = request.META.get("CSRF_COOKIE") or ""
    return hashlib.blake2b(secret.encode(), digest_size=12).hexdigest()
