"""The test run: fast hashing, tasks in process, e-mail in memory."""
from . import env
from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run in process in tests even when Redis is the broker; tests that need the real
# broker talk to it explicitly.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if env.TEST_SQLITE_FILE and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": env.TEST_SQLITE_FILE}  # noqa: F405

# The suite signs in through the real page hundreds of times a minute, all from 127.0.0.1: the
# per-address sign-in rate is off here, and the tests of that limit set it back.
LOGIN_RATE_LIMIT = 1_000_000

# Under pytest-xdist each worker caches in a Redis database of its own (the run's database minus
# 1 + the worker's number): tests clear the cache, which is FLUSHDB, and one worker's clear must
# not wipe another's sign-in counters or tokens. pytest-django gives each worker its own SQL
# database the same way.
if env.XDIST_WORKER and env.REDIS_URL:
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(env.REDIS_URL)
    _base = int(_url.path.strip("/") or 0)
    _db = (_base - 1 - int(env.XDIST_WORKER.removeprefix("gw"))) % 16
    CACHES = {"default": {**CACHES["default"], "LOCATION": urlunsplit(_url._replace(path=f"/{_db}"))}}  # noqa: F405
