"""The one place that reads the process environment.

Every setting that may differ between a laptop, CI and production is read here and nowhere
else, so that `grep env.` shows everything an operator can set.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
REDIS_URL = env_str("REDIS_URL")
#: Tests only: keep the SQLite test database in this file (so that `pytest --reuse-db` skips the
#: migrations on the next run, as the date matrix does for each of its dates).
TEST_SQLITE_FILE = env_str("TEST_SQLITE_FILE")
#: Tests only: set by pytest-xdist in each of its workers ("gw0", "gw1", ...).
XDIST_WORKER = env_str("PYTEST_XDIST_WORKER")
SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
EMAIL_URL_HOST = env_str("EMAIL_HOST")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@shahe-afterschool.local")
