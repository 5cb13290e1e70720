"""Counters in the cache, for guessable secrets such as invitation codes and for the sign-in form.

Like django-axes, but for forms that are not the login: after `limit` failures from one address
(or one signed-in user) within `window` seconds, further attempts are refused until the window
ends, whether the next guess is right or not. `attempt` counts every request instead, for a rate
limit (the sign-in page: django-axes counts only failures). The address is the client's, behind the
load balancer too (shahe_afterschool.middleware.client_ip). The cache is Redis in production, so the
count is shared by every web process.
"""
from __future__ import annotations

from django.core.cache import cache

from shahe_afterschool.middleware import client_ip

INVITATION_LIMIT = 10
INVITATION_WINDOW = 15 * 60


def _address_key(scope: str, request) -> str:
    return f"throttle:{scope}:ip:{client_ip(request) or 'unknown'}"


def _keys(scope: str, request) -> list[str]:
    keys = [_address_key(scope, request)]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"throttle:{scope}:user:{user.pk}")
    return keys


def _count(key: str, window: int) -> int:
    # add() starts the window; incr() counts inside it without moving its end.
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, timeout=window)
        return 1


def count(key: str, window: int) -> int:
    """Count one event under `key` in a window of `window` seconds that starts at its first event."""
    return _count(key, window)


def is_blocked(scope: str, request, *, limit: int = INVITATION_LIMIT) -> bool:
    counts = cache.get_many(_keys(scope, request))
    return any(int(v) >= limit for v in counts.values())


def record_failure(scope: str, request, *, window: int = INVITATION_WINDOW) -> None:
    for key in _keys(scope, request):
        _count(key, window)


def attempt(scope: str, request, *, limit: int, window: int) -> bool:
    """Count one request from the client's address; False once more than `limit` came in the window."""
    return _count(_address_key(scope, request), window) <= limit
