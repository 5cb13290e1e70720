"""The unread count of the navigation (issue 19): one COUNT query per user on a cache miss, none
while cached. Signing in fills it (so a page costs no query for it); writing a notice, reading one
and "mark all read" drop the recipients' counts (at once and again after commit, so that a page read
in between cannot keep an old count); `CACHE_SECONDS` bounds any other staleness."""
from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

CACHE_SECONDS = 300


def _key(user_id: int) -> str:
    return f"notices:unread:{user_id}"


def unread_count(user) -> int:
    key = _key(user.pk)
    count = cache.get(key)
    if count is None:
        from .models import Notification

        count = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        cache.set(key, count, CACHE_SECONDS)
    return count


def unread_for(request) -> int:
    """The signed-in user's unread count, read once per request (the header shows it twice)."""
    if not hasattr(request, "_unread_count"):
        request._unread_count = unread_count(request.user)
    return request._unread_count


def unread_forget(user_ids) -> None:
    keys = [_key(pk) for pk in set(user_ids)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def fill_on_sign_in(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: the count is read once when signing in, not on the first page."""
    unread_count(user)
