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

# --- notices: SMS and WeChat providers (docs/deployment.md "Text messages and WeChat") ----------
#: "tencent" sends text messages through Tencent Cloud SMS; empty: the outbox (development, demo and
#: tests only: production refuses it).
SMS_PROVIDER = env_str("SMS_PROVIDER")
TENCENT_SMS_SECRET_ID = env_str("TENCENT_SMS_SECRET_ID")
TENCENT_SMS_SECRET_KEY = env_str("TENCENT_SMS_SECRET_KEY")
TENCENT_SMS_APP_ID = env_str("TENCENT_SMS_APP_ID")
TENCENT_SMS_SIGN_NAME = env_str("TENCENT_SMS_SIGN_NAME")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
#: host[:port] of the API; empty: Tencent Cloud's own (sms.tencentcloudapi.com).
TENCENT_SMS_ENDPOINT = env_str("TENCENT_SMS_ENDPOINT")
#: "kind=template id" pairs, comma separated, overriding settings.SMS_TEMPLATES.
TENCENT_SMS_TEMPLATES = env_list("TENCENT_SMS_TEMPLATES")
#: "wechatpy": the city's official account through wechatpy; empty: the outbox.
WECHAT_PROVIDER = env_str("WECHAT_PROVIDER")
WECHAT_APP_ID = env_str("WECHAT_APP_ID")
WECHAT_APP_SECRET = env_str("WECHAT_APP_SECRET")
#: The API's base (https://api.weixin.qq.com/ when empty) and the OAuth page's base.
WECHAT_API_BASE = env_str("WECHAT_API_BASE")
WECHAT_OAUTH_BASE = env_str("WECHAT_OAUTH_BASE")
#: "kind=template id" pairs, comma separated, overriding settings.WECHAT_TEMPLATES.
WECHAT_TEMPLATES = env_list("WECHAT_TEMPLATES")
#: Text messages the whole city may send in one hour before sending pauses (sign-in codes).
SMS_HOURLY_BUDGET = env_str("SMS_HOURLY_BUDGET", "2000")
