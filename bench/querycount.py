"""Queries per request for every target, against the database in DATABASE_URL.

Run as `DJANGO_SETTINGS_MODULE=bench.settings python -m bench.querycount`; prints one JSON object
{target key: {"queries": n, "status": code, "user": username}}. Each page is requested once to warm
up (the session policy writes the session on a staff member's first request), then counted with
the cache emptied first: what the page costs when it is computed (the duty console's body and the
parents' today cards are kept in the cache; a cached read would hide a count that grows with rows).
"""
from __future__ import annotations

import json
import os
import sys


def count_queries() -> dict:
    """{target key: {"queries", "status", "user", "url"}} in the current database (urlconf bench.urls)."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.targets import TARGETS, user_of
    from bench.users import actors, session_cookie

    people = actors(1)
    out = {}
    for t in TARGETS:
        pool = people.get(t.role) or []
        if not pool:
            out[t.key] = {"queries": None, "status": None, "user": None}
            continue
        actor = pool[0]
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(user_of(actor))
        url = t.url(actor)
        headers = t.wsgi_headers
        client.get(url, **headers)
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url, **headers)
        out[t.key] = {"queries": len(ctx.captured_queries), "status": resp.status_code,
                      "user": user_of(actor).username, "url": url}
    return out


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    json.dump(count_queries(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
