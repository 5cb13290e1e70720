"""The real services CI runs against: PostgreSQL for the data and Redis for the cache and broker."""
import os

import pytest
from django.core.cache import cache
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.redis
def test_cache_and_broker_are_redis():
    from shahe_afterschool.celery import app

    cache.set("ci-probe", "ok", 10)
    assert cache.get("ci-probe") == "ok"
    assert "Redis" in type(cache._cache).__name__ or "redis" in type(cache).__module__
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
    assert app.conf.broker_url == os.environ["REDIS_URL"]
