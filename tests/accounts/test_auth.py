import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from accounts.models import AuditEvent
from accounts.services import user_deactivate
from tests.conftest import OFFICE_ROLES, matrix_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_axes():
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    cache.clear()


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_login_page_in_english_when_asked(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sign in" in response.content.decode()


def test_wrong_password_shows_clear_message_and_logs_failure(world, client):
    response = client.post("/accounts/login/", {"username": "parent_a", "password": "nope"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "username or password is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed", username="parent_a").exists()


def test_login_rotates_session_id(world, client):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    client.post("/accounts/login/", {"username": "parent_a", "password": PASSWORD})
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(action="login", user=world.parent_a).exists()


def test_five_failures_lock_the_account_with_a_message(world, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "principal", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "principal", "password": PASSWORD},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (403, 429)
    assert "locked" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_token_lockout_after_five_failures(world, api):
    for _ in range(4):
        r = api.post("/api/v1/auth/token/", {"username": "bureau", "password": "wrong"}, format="json")
        assert r.status_code == 400
    # The fifth failure locks the account and says so.
    r = api.post("/api/v1/auth/token/", {"username": "bureau", "password": "wrong"}, format="json")
    assert r.status_code == 429
    # Now even the right password is refused while the lock lasts.
    r = api.post("/api/v1/auth/token/", {"username": "bureau", "password": PASSWORD}, format="json",
                 HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 429
    assert "locked" in r.json()["detail"]


@pytest.mark.parametrize("role", ["parent_a", "homeroom", "teacher_b", "principal", "district", "bureau",
                                  *OFFICE_ROLES])
def test_each_role_lands_on_its_own_home_page(world, login, role):
    client = login(matrix_user(world, role))
    response = client.get("/", follow=True)
    assert response.status_code == 200
    # Staff land on their workbench (issue 21: what waits for them, with counts and a link each; it
    # links to today's rolls, the console, the dashboards); parents on their children's service.
    expected = {
        "parent_a": "/enrollment/",  # enrollment replaces the parent landing page (set_home)
    }.get(role, "/accounts/workbench/")
    assert (response.redirect_chain[-1][0] if response.redirect_chain else "/") == expected


def test_header_shows_name_and_roles(world, login):
    client = login(world.principal)
    body = client.get(f"/schools/{world.school_a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "周校长" in body
    assert "Principal" in body


def test_anonymous_is_sent_to_login(client):
    response = client.get("/schools/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_token_obtain_and_me(world, api):
    r = api.post("/api/v1/auth/token/", {"username": "principal", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "principal"
    assert me["roles"] == [{"role": "principal", "school": world.school_a.pk, "district": None}]


def test_bad_token_is_401_with_message(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    r = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 401
    assert r.json()["detail"]


def test_wrong_credentials_message_in_chinese(world, api):
    r = api.post("/api/v1/auth/token/", {"username": "principal", "password": "x"}, format="json",
                 HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400
    assert "无法使用提供的认证信息登录" in str(r.json())


def test_deactivated_user_loses_session_and_token(world, login, api):
    client = login(world.principal)
    api.as_user(world.principal)
    user_deactivate(user=world.principal)
    assert client.get("/schools/").status_code == 302
    assert not Token.objects.filter(user=world.principal).exists()
    assert api.get("/api/v1/me/").status_code == 401


def test_revoke_tokens_from_profile(world, login, api):
    api.as_user(world.principal)
    client = login(world.principal)
    response = client.post("/accounts/tokens/revoke/")
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401


def test_staff_session_ends_after_idle_time(world, login, settings):
    client = login(world.principal)
    session = client.session
    session["_seen_at"] = session.get("_seen_at", 0) - settings.STAFF_SESSION_IDLE_SECONDS - 5
    session.save()
    assert client.get("/schools/").status_code == 302


def _session_writes(client, path):
    """The response to `path` and the UPDATE/INSERT statements it ran on the session table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    writes = [q["sql"] for q in ctx.captured_queries
              if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]
    return response, writes


def _clock(monkeypatch, start):
    """Freeze the session policy's clock at `start`; returns a function that moves it forward."""
    import accounts.middleware

    now = [start]
    monkeypatch.setattr(accounts.middleware.time, "time", lambda: now[0])

    def advance(seconds):
        now[0] += seconds

    return advance


def test_staff_session_is_written_at_most_once_a_minute(world, login, settings, monkeypatch):
    advance = _clock(monkeypatch, 1_800_000_000)
    client = login(world.principal)
    response, writes = _session_writes(client, "/schools/")
    assert response.status_code == 200
    assert len(writes) == 1  # the first staff request stamps the start, last-seen time and expiry
    session = client.session
    assert session["_started_at"] == session["_seen_at"] == 1_800_000_000
    assert session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS
    advance(59)
    response, writes = _session_writes(client, "/schools/")
    assert response.status_code == 200
    assert writes == []
    assert client.session["_seen_at"] == 1_800_000_000
    advance(1)
    response, writes = _session_writes(client, "/schools/")
    assert response.status_code == 200
    assert len(writes) == 1
    session = client.session
    assert session["_seen_at"] == 1_800_000_060
    assert session["_started_at"] == 1_800_000_000  # the absolute lifetime still counts from sign-in
    assert session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS


def test_staff_session_stays_open_while_used(world, login, settings, monkeypatch):
    advance = _clock(monkeypatch, 1_800_000_000)
    client = login(world.principal)
    for _ in range(4):  # two hours of a request every 25 minutes: never idle for 30
        assert client.get("/schools/").status_code == 200
        advance(25 * 60)
    assert client.get("/schools/").status_code == 200


def test_staff_session_ends_after_idle_time_since_last_write(world, login, settings, monkeypatch):
    advance = _clock(monkeypatch, 1_800_000_000)
    client = login(world.principal)
    assert client.get("/schools/").status_code == 200
    advance(30)
    assert client.get("/schools/").status_code == 200  # not written: last seen stays at the start
    advance(settings.STAFF_SESSION_IDLE_SECONDS - 29)
    assert client.get("/schools/").status_code == 302


def test_staff_session_ends_after_its_absolute_lifetime_even_when_used(world, login, settings, monkeypatch):
    advance = _clock(monkeypatch, 1_800_000_000)
    client = login(world.principal)
    elapsed = 0
    while elapsed + 20 * 60 <= settings.STAFF_SESSION_MAX_SECONDS:
        assert client.get("/schools/").status_code == 200
        advance(20 * 60)
        elapsed += 20 * 60
    advance(settings.STAFF_SESSION_MAX_SECONDS - elapsed + 1)
    response = client.get("/schools/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_parent_session_survives_idle_time(world, login, settings):
    client = login(world.parent_a)
    assert client.get("/schools/my-children/").status_code == 200
    assert client.session.get_expiry_age() > settings.STAFF_SESSION_IDLE_SECONDS


def test_language_switch_changes_language(world, login):
    client = login(world.parent_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/schools/my-children/"})
    assert "My children" in client.get("/schools/my-children/").content.decode()
