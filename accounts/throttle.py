"""A failure counter in the cache, for guessable secrets such as invitation codes.

Like django-axes, but for forms that are not the login: after `limit` failures from one address
(or one signed-in user) within `window` seconds, further attempts are refused until the window
ends, whether the next guess is right or not. The cache is Redis in production, so the count is
shared by every web process.
"""
from __future__ import annotations

from django.core.cache import cache

from .services import client_ip

INVITATION_LIMIT = 10
INVITATION_WINDOW = 15 * 60


def _keys(scope: str, request) -> list[str]:
    keys = [f"throttle:{scope}:ip:{client_ip(request) or 'unknown'}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        keys.append(f"throttle:{scope}:user:{user.pk}")
    return keys


def is_blocked(scope: str, request, *, limit: int = INVITATION_LIMIT) -> bool:
    counts = cache.get_many(_keys(scope, request))
    return any(int(v) >= limit for v in counts.values())


def record_failure(scope: str, request, *, window: int = INVITATION_WINDOW) -> None:
    for key in _keys(scope, request):
        # add() starts the window; incr() counts inside it without moving its end.
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, timeout=window)
