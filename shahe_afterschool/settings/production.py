"""Production: secrets and hosts must come from the environment; HTTPS everywhere.

Run `DJANGO_SETTINGS_MODULE=shahe_afterschool.settings.production manage.py check --deploy`.
"""
from django.core.exceptions import ImproperlyConfigured

from . import env
from .base import *  # noqa: F403

DEBUG = False
ALLOW_DEMO_DATA = False

#: Keys that are published (the development default, the example env file): never a production secret.
KNOWN_KEY_PREFIXES = ("dev-only", "change-me", "django-insecure-")


def check_secret_key(key: str) -> str:
    """A production SECRET_KEY: set, at least 50 characters of at least 5 different ones (Django's
    own rule, security.W009), and not a published key."""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    if len(key) < 50 or len(set(key)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters in production.")
    if key.startswith(KNOWN_KEY_PREFIXES):
        raise ImproperlyConfigured("SECRET_KEY is the development or example key: set a new random one in production.")
    return key


def check_allowed_hosts(hosts: list[str]) -> list[str]:
    """Production's host names come from ALLOWED_HOSTS in the environment: the development default
    (127.0.0.1, localhost, testserver) never applies, and "*" is refused."""
    if not hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
    if "*" in hosts:
        raise ImproperlyConfigured("ALLOWED_HOSTS must name the site's hosts in production, not '*'.")
    return hosts


def check_sms(provider: str, conf: dict, sign_name: str) -> str:
    """Production sends text messages through a real provider: the outbox (a table that only the
    administrator reads) would swallow every sign-in code and urgent notice."""
    if provider != "tencent":
        raise ImproperlyConfigured("SMS_PROVIDER must be 'tencent' in production: the outbox is for development "
                                   "and the demo only (docs/deployment.md, 'Text messages and WeChat').")
    missing = [name for name, value in (("TENCENT_SMS_SECRET_ID", conf["secret_id"]),
                                        ("TENCENT_SMS_SECRET_KEY", conf["secret_key"]),
                                        ("TENCENT_SMS_APP_ID", conf["app_id"]),
                                        ("TENCENT_SMS_SIGN_NAME", sign_name)) if not value]
    if missing:
        raise ImproperlyConfigured(f"{', '.join(missing)} must be set in production.")
    return provider


SECRET_KEY = check_secret_key(env.SECRET_KEY)
ALLOWED_HOSTS = check_allowed_hosts(env.env_list("ALLOWED_HOSTS"))  # no default here

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

SMS_PROVIDER = check_sms(env.SMS_PROVIDER, TENCENT_SMS, env.TENCENT_SMS_SIGN_NAME)  # noqa: F405
# No outbox in production: without WECHAT_PROVIDER the WeChat channel is off (nothing is written to
# a table nobody reads), and a provider function asked for the outbox refuses.
NOTICES_OUTBOX_ALLOWED = False
if env.WECHAT_PROVIDER != "wechatpy":
    NOTIFICATION_CHANNELS = [c for c in NOTIFICATION_CHANNELS if not c.endswith("WechatChannel")]  # noqa: F405
