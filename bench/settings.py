"""Settings for the benchmark's gunicorn and helpers: the local settings without DEBUG, plus the
floor view at /bench/floor/ (a URL that exists only under these settings)."""
from shahe_afterschool.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
