import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
#: A real SMS provider's settings: production refuses the outbox.
SMS_ENV = {"SMS_PROVIDER": "tencent", "TENCENT_SMS_SECRET_ID": "AKIDexample", "TENCENT_SMS_SECRET_KEY": "k" * 32,
           "TENCENT_SMS_APP_ID": "1400000000", "TENCENT_SMS_SIGN_NAME": "沙河课后服务"}


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.production",
        "SECRET_KEY": "a-real-secret-" + "x" * 60,
        "ALLOWED_HOSTS": "kfw.shahe.example.cn",
        **SMS_ENV,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_without_secret():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.production", "SECRET_KEY": ""}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def production_check(**overrides):
    """`manage.py check` under the production settings, with a good environment changed by `overrides`
    (None removes a variable)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shahe_afterschool.settings.production",
           "SECRET_KEY": "k7#Qw9!zR2@vT5$yU8%iO1^pA4&sD6*fG3(hJ0)lZ-xC_vB+nM=" + "q" * 10,
           "ALLOWED_HOSTS": "kfw.shahe.example.cn", **SMS_ENV}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_production_accepts_a_good_environment():
    result = production_check()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("key", [
    "short-but-not-empty-0123456789",  # 30 characters
    "x" * 49,
    "a" * 60,  # long, but one character
    "dev-only-insecure-key-change-me-in-production-0123456789abcdef",  # the development key
    "change-me-to-a-long-random-string-the-same-on-every-machine",  # deploy/shahe.env.example's
    "django-insecure-" + "0123456789abcdefghij" * 3,
])
def test_production_refuses_a_weak_or_published_secret_key(key):
    result = production_check(SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_refuses_without_allowed_hosts():
    """The development default (127.0.0.1, localhost, testserver) never applies in production."""
    result = production_check(ALLOWED_HOSTS=None)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set in production" in result.stderr
    result = production_check(ALLOWED_HOSTS=" , ")
    assert result.returncode != 0 and "ALLOWED_HOSTS must be set in production" in result.stderr


def test_production_refuses_any_host():
    result = production_check(ALLOWED_HOSTS="kfw.shahe.example.cn,*")
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_no_asset_comes_from_a_cdn():
    for path in list((ROOT / "templates").rglob("*.html")) + list(ROOT.glob("*/templates/**/*.html")):
        text = path.read_text()
        assert "cdn." not in text and "//unpkg" not in text and "jsdelivr" not in text, path


def test_production_refuses_the_outbox():
    """No SMS provider in production would put every sign-in code in a table nobody reads."""
    result = production_check(SMS_PROVIDER=None)
    assert result.returncode != 0 and "SMS_PROVIDER must be 'tencent' in production" in result.stderr
    result = production_check(TENCENT_SMS_SECRET_KEY=None)
    assert result.returncode != 0 and "TENCENT_SMS_SECRET_KEY must be set in production" in result.stderr
