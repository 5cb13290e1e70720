"""Settings shared by every environment. Overrides live in local / test / production.

Docs: https://docs.djangoproject.com/en/5.2/ref/settings/
"""
from datetime import timedelta

import dj_database_url
from celery.schedules import crontab

from shahe_afterschool.logs import init_sentry, logging_config

from . import env

BASE_DIR = env.BASE_DIR
SECRET_KEY = env.SECRET_KEY or "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
]
# Our apps, in dependency order. urls.py mounts each one's urls.py at /<app>/ and api_urls.py asks
# each one's api.py to register its endpoints.
# privacy comes before the apps that use it: its demo records the guardians' consent, which
# enrollment's demo needs before it submits applications (seed_demo runs in this order); reports
# comes last, since its demo builds the weeks from what the others made.
PROJECT_APPS = ["accounts", "schools", "notices", "privacy", "enrollment", "clubs", "attendance", "safety", "voice",
                "reports"]
INSTALLED_APPS += PROJECT_APPS
# Operations: health and backup commands, request ids carried into Celery tasks (docs/deployment.md).
INSTALLED_APPS += ["ops"]
# The city-sized data generator for the benchmarks (`manage.py seed_city`, docs/performance.md).
INSTALLED_APPS += ["scale"]

MIDDLEWARE = [
    # first: every later middleware and the view log under the request's id
    "shahe_afterschool.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # refuses an oversized body with 413 (in the user's language) before anything reads it
    "privacy.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    # after a sign-in, the user's saved language into the language cookie
    "accounts.middleware.LoginLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # axes must be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shahe_afterschool.urls"
WSGI_APPLICATION = "shahe_afterschool.wsgi.application"
ASGI_APPLICATION = "shahe_afterschool.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "notices.context_processors.unread",
            ],
        },
    },
]

# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
#: The language cookie (set by the language switch, and at sign-in to the user's saved language)
#: outlives the browser's restart, as a parent's 14-day sign-in does.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"
# Upload limits: form/JSON bodies over 2.5 MB answer 400 (Django's RequestDataTooBig), any body over
# MAX_REQUEST_BODY_SIZE (file uploads included) answers 413 (privacy.middleware); files over 2.5 MB
# go to a temporary file instead of memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
MAX_REQUEST_BODY_SIZE = 10 * 1024 * 1024
# One uploaded file (privacy.uploads.validate_upload checks size and type for every app's forms).
MAX_UPLOAD_FILE_SIZE = 5 * 1024 * 1024
# Children who left (transferred or graduated) are anonymised this many days later (privacy.tasks).
STUDENT_RETENTION_DAYS = 365
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Sessions: staff sessions end after 30 idle minutes and 12 hours in all; parents keep theirs
# for 14 days (accounts.middleware.SessionPolicyMiddleware applies the per-role policy).
SESSION_COOKIE_AGE = 14 * 24 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
STAFF_SESSION_IDLE_SECONDS = 30 * 60
STAFF_SESSION_MAX_SECONDS = 12 * 3600
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Cache and Celery: Redis when REDIS_URL is set, otherwise in-process.
if env.REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.REDIS_URL}}
    CELERY_BROKER_URL = env.REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE: dict = {
    "clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": crontab(minute=17)},
    "anonymise-departed-students": {"task": "privacy.tasks.anonymise_departed_students",
                                    "schedule": crontab(hour=3, minute=41)},
    "safety-overdue-rectification": {"task": "safety.tasks.rectification_flag_overdue",
                                     "schedule": crontab(hour=7, minute=5)},
    "attendance-create-rolls": {"task": "attendance.tasks.create_rolls", "schedule": crontab(hour=6, minute=15)},
    "attendance-day-totals": {"task": "attendance.tasks.write_day_totals", "schedule": crontab(hour=0, minute=40)},
    "attendance-unclosed-days": {"task": "attendance.tasks.alert_unclosed_days",
                                 "schedule": crontab(hour=18, minute=30)},
    # The 1st of each month, 02:30: teachers' hours statements of the month before (drafts rebuilt).
    "attendance-hours-statements": {"task": "attendance.tasks.build_statements",
                                    "schedule": crontab(day_of_month=1, hour=2, minute=30)},
    # flexible departure (弹性离校): still at school 15 minutes after the chosen slot → the duty leader
    "attendance-overdue-departures": {"task": "attendance.tasks.alert_overdue_departures",
                                      "schedule": crontab(minute="*/5", hour="15-20")},
    # Monday 01:00 Asia/Shanghai (CELERY_TIMEZONE): the weekly coverage reports of the week before.
    # Held (quiet hours) and failed deliveries whose time has come: every minute.
    "notices-deliveries-due": {"task": "notices.tasks.deliver_due", "schedule": crontab()},
    "reports-weekly-coverage": {"task": "reports.tasks.build_weekly_reports",
                                "schedule": crontab(hour=1, minute=0, day_of_week=1)},
}

# REST framework: https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated call gets 401 with WWW-Authenticate.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's three, with the project's JSON parser (too-deep nesting is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["shahe_afterschool.api.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    "EXCEPTION_HANDLER": "shahe_afterschool.api.exception_handler",
    # Throttles key anonymous calls on the client's address behind nginx too, never on a client-sent
    # X-Forwarded-For (shahe_afterschool.throttling); only anonymous endpoints (the token) are limited.
    "DEFAULT_THROTTLE_CLASSES": ["shahe_afterschool.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shahe after-school services API",
    "DESCRIPTION": "沙河市课后服务平台 API. Scoped: objects outside the caller's scope answer 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
API_TOKEN_TTL = timedelta(days=14)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-axes: failed sign-ins (web page and API token) within 15 minutes lock
# - one account from one address after 5 (AXES_FAILURE_LIMIT),
# - one address, whatever the usernames, after 20 (password spraying),
# - one account, from whatever addresses, after 10;
# for 15 minutes from the last failure. Counted for any username, existing or not, and answered with
# the same page, so a lock tells nothing about whether an account exists. The per-parameter limits
# are SIGN_IN_FAILURE_LIMITS (accounts.lockout.LockoutHandler: axes has one limit for all). Unlock:
# the admin's "Access attempts" (delete the rows) or `manage.py axes_reset_username NAME` /
# `axes_reset_ip ADDRESS`. A successful sign-in clears only that account's failures from that address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_HANDLER = "accounts.lockout.LockoutHandler"
SIGN_IN_FAILURE_LIMITS = {"ip_address": 20, "username": 10}
AXES_RESET_ON_SUCCESS = True
# The sign-in page also refuses more than LOGIN_RATE_LIMIT attempts (right or wrong) a minute from one
# address (accounts.views.LoginView); the API token has DRF's "anon" rate.
LOGIN_RATE_LIMIT = 30
LOGIN_RATE_WINDOW = 60
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Content Security Policy (django-csp 4): nothing from outside the site; scripts only from /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = env.EMAIL_URL_HOST or "localhost"  # the SMTP relay of production's SMTP backend
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL

# Production refuses demo data; seed_demo checks this flag.
ALLOW_DEMO_DATA = True

# Logs: JSON lines on stderr (LOG_FORMAT=plain for a terminal), with request and task ids
# (shahe_afterschool.logs). Errors also go to Sentry when SENTRY_DSN is set and sentry-sdk is installed.
LOGGING = logging_config(fmt=env.env_str("LOG_FORMAT", "json"), level=env.env_str("LOG_LEVEL", "INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
init_sentry(env.env_str("SENTRY_DSN"), environment=env.env_str("SENTRY_ENVIRONMENT"),
            release=env.env_str("SENTRY_RELEASE"))

# Health checks (/healthz, /readyz, manage.py health). HTTP health probes are exempt from the
# HTTPS redirect, so a load balancer may probe a web process over the private network.
REDIS_URL = env.REDIS_URL
HEALTH_CHECK_TIMEOUT = float(env.env_str("HEALTH_CHECK_TIMEOUT", "2"))
HEALTH_CHECK_CELERY = env.env_bool("HEALTH_CHECK_CELERY", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
# Behind nginx: the addresses of the load balancers, whose X-Real-IP header names the client, so that
# django-axes counts failed sign-ins per client and not per load balancer.
TRUSTED_PROXY_IPS = env.env_list("TRUSTED_PROXY_IPS")
AXES_CLIENT_IP_CALLABLE = "shahe_afterschool.middleware.client_ip"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Delivery channels for notices beyond the in-app inbox (notices.channels): one Delivery row per
# notice and channel, sent by Celery after commit; notices.routing decides which a notice takes
# (urgent kinds by SMS and WeChat at once, ordinary ones by WeChat, held in quiet hours).
NOTIFICATION_CHANNELS = ["notices.channels.EmailChannel", "notices.channels.SmsChannel",
                         "notices.channels.WechatChannel"]
SITE_URL = env.env_str("SITE_URL", "http://127.0.0.1:8000")

# Text messages (notices.sms): SMS_PROVIDER "tencent" or "" for the outbox (/notices/outbox/, `manage.py
# outbox`), which production refuses. One approved template per kind, parameters only; the "text" is the
# approved wording, used by the outbox and the docs ({n} = the n-th parameter, {site} = SITE_URL, written
# into the approved template: a link is a fixed address with the notice's number as its variable).
SMS_PROVIDER = env.SMS_PROVIDER
SMS_SIGN_NAME = env.TENCENT_SMS_SIGN_NAME or "沙河课后服务"
#: The "school" parameter of a notice that names none.
SMS_SERVICE_NAME = "沙河市课后服务"
TENCENT_SMS = {
    "secret_id": env.TENCENT_SMS_SECRET_ID, "secret_key": env.TENCENT_SMS_SECRET_KEY,
    "app_id": env.TENCENT_SMS_APP_ID, "region": env.TENCENT_SMS_REGION,
    "endpoint": env.TENCENT_SMS_ENDPOINT, "timeout": 10,
}
SMS_TEMPLATES = {
    "auth.code": {"id": "", "params": ["code"],
                  "text": "您的登录验证码为{1}，5分钟内有效。如非本人操作，请忽略本短信。"},
    "auth.verify": {"id": "", "params": ["code"],
                    "text": "您正在绑定此手机号，验证码为{1}，5分钟内有效。如非本人操作，请忽略本短信。"},
    "attendance.absent": {"id": "", "params": ["child", "time", "school", "notice"],
                          "text": "{1}今天{2}在{3}课后服务点名时缺席，未请假。如有疑问请联系学校。详情：{site}/notices/n/{4}/"},
    "attendance.released": {"id": "", "params": ["child", "time", "school", "notice"],
                            "text": "{1}已于{2}离开{3}课后服务。详情：{site}/notices/n/{4}/"},
    "attendance.pickup_refused": {"id": "", "params": ["child", "time", "school", "notice"],
                                  "text": "{2}有不在接送名单上的人到{3}接{1}，学校未放行。详情：{site}/notices/n/{4}/"},
    "safety.incident_guardian": {"id": "", "params": ["child", "time", "school", "notice"],
                                 "text": "{3}有一条关于{1}的紧急消息（{2}），请立即查看：{site}/notices/n/{4}/"},
    "safety.incident_escalated": {"id": "", "params": ["child", "time", "school", "notice"],
                                  "text": "{3}有一起涉及{1}的事件已升级（{2}），请立即查看：{site}/notices/n/{4}/"},
    "notice": {"id": "", "params": ["child", "time", "school", "notice"],
               "text": "{3}：您有一条关于{1}的新消息（{2}），请查看：{site}/notices/n/{4}/"},
}
for _pair in env.TENCENT_SMS_TEMPLATES:
    _kind, _, _id = _pair.partition("=")
    if _kind.strip() in SMS_TEMPLATES:
        SMS_TEMPLATES[_kind.strip()]["id"] = _id.strip()
#: A city-wide budget: sign-in and verification codes sent in one hour, beyond which sending pauses
#: and the system administrators are alerted (SMS bombing costs money).
SMS_HOURLY_BUDGET = int(env.SMS_HOURLY_BUDGET or 2000)

# WeChat official account (notices.wechat): WECHAT_PROVIDER "wechatpy" or "" for the outbox.
WECHAT_PROVIDER = env.WECHAT_PROVIDER
WECHAT = {"app_id": env.WECHAT_APP_ID, "secret": env.WECHAT_APP_SECRET, "api_base": env.WECHAT_API_BASE,
          "oauth_base": env.WECHAT_OAUTH_BASE, "timeout": 10}
#: kind -> template id of the official account ("notice" for every kind without its own).
WECHAT_TEMPLATES = {"notice": "", "attendance.absent": "", "attendance.released": "",
                    "attendance.pickup_refused": "", "safety.incident_guardian": ""}
for _pair in env.WECHAT_TEMPLATES:
    _kind, _, _id = _pair.partition("=")
    WECHAT_TEMPLATES[_kind.strip()] = _id.strip()
#: Quiet hours (local time): ordinary notices are held until the end, urgent ones go at once.
NOTICE_QUIET_HOURS = (21, 7)
