"""One client address for every throttle, lockout and audit row (issue #17, item 4).

Behind nginx every request comes from the load balancer's address; the client is in X-Real-IP, which
is believed only from TRUSTED_PROXY_IPS. X-Forwarded-For is never believed: a client writes what it
likes there.
"""
import pytest
from axes.models import AccessAttempt
from django.core.cache import cache

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import invitation_issue
from shahe_afterschool import throttling
from shahe_afterschool.middleware import client_ip
from tests.factories import PASSWORD, GuardianshipFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CLIENT_1, CLIENT_2 = "203.0.113.1", "203.0.113.2"
DIRECT = "198.51.100.7"


def via_proxy(address):
    return {"REMOTE_ADDR": PROXY, "HTTP_X_REAL_IP": address}


def direct(address=DIRECT, n=0):
    """A direct client that writes a new address in the proxy headers each time."""
    forged = f"192.0.2.{n % 250 + 1}"
    return {"REMOTE_ADDR": address, "HTTP_X_REAL_IP": forged, "HTTP_X_FORWARDED_FOR": f"{forged}, 10.0.0.2"}


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.TRUSTED_PROXY_IPS = [PROXY]
    AccessAttempt.objects.all().delete()
    cache.clear()
    yield
    cache.clear()


# --- the one function ----------------------------------------------------------------------------

def test_client_address_is_x_real_ip_only_from_a_trusted_proxy(rf):
    assert client_ip(rf.get("/", **via_proxy(CLIENT_1))) == CLIENT_1
    assert client_ip(rf.get("/", **direct())) == DIRECT
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY)) == PROXY  # nginx sent no header: the peer
    # Junk from a (misconfigured) proxy is not an address: the peer, never the junk.
    assert client_ip(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="not-an-ip")) == PROXY
    assert client_ip(None) is None


def test_every_user_of_an_address_uses_the_one_function():
    """Audit rows, the invitation throttle, the DRF throttles and django-axes read the same function."""
    from django.conf import settings

    from accounts import services, throttle

    assert services.client_ip is client_ip
    assert throttle.client_ip is client_ip
    assert throttling.client_ip is client_ip
    assert settings.AXES_CLIENT_IP_CALLABLE == "shahe_afterschool.middleware.client_ip"
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == ["shahe_afterschool.throttling.AnonRateThrottle"]


# --- the invitation-code throttle -------------------------------------------------------------------

@pytest.fixture
def new_parent(world):
    parent = UserFactory(username="13911112222", name="张妈妈", phone="13911112222")
    parent.set_unusable_password()
    parent.save()
    give_role(parent, Role.PARENT)
    GuardianshipFactory(guardian=parent, student=world.child_a)
    return parent


def join(client, code, **extra):
    return client.post("/accounts/join/", {"code": code, "password1": "Shahe-river-2026",
                                           "password2": "Shahe-river-2026"}, **extra)


def test_invitation_throttle_behind_the_proxy_blocks_one_client_not_the_city(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    for i in range(10):
        assert join(client, f"ZZZZZ-ZZZ{i + 2}Z", **via_proxy(CLIENT_1)).status_code == 400
    assert join(client, code, **via_proxy(CLIENT_1)).status_code == 429
    # Another family behind the same load balancer is not blocked, and its right code works.
    assert join(client, code, **via_proxy(CLIENT_2)).status_code == 302
    # The refusal and the failures are recorded with the real client's address.
    assert set(AuditEvent.objects.filter(object_type="invitation").values_list("ip_address", flat=True)) == {CLIENT_1}


def test_invitation_throttle_ignores_proxy_headers_from_a_direct_client(world, client, new_parent):
    code = invitation_issue(user=new_parent, by=world.principal)
    for i in range(10):
        assert join(client, f"ZZZZZ-ZZZ{i + 2}Z", **direct(n=i)).status_code == 400
    # A new forged X-Real-IP / X-Forwarded-For does not make a new client.
    assert join(client, code, **direct(n=99)).status_code == 429
    assert set(AuditEvent.objects.filter(object_type="invitation").values_list("ip_address", flat=True)) == {DIRECT}


# --- the API token endpoint's DRF throttle -----------------------------------------------------------

@pytest.fixture
def anon_rate(monkeypatch):
    """Three anonymous calls a minute (DRF reads its rates when the class is defined)."""
    monkeypatch.setattr(throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})


def token_call(api, **extra):
    """An incomplete sign-in: counted by the throttle, never by django-axes."""
    return api.post("/api/v1/auth/token/", {}, format="json", **extra)


def test_token_throttle_is_not_escaped_by_rotating_x_forwarded_for(api, anon_rate):
    for i in range(3):
        assert token_call(api, **direct(n=i)).status_code == 400
    response = token_call(api, **direct(n=42))
    assert response.status_code == 429
    assert "Retry-After" in response


def test_token_throttle_behind_the_proxy_is_per_client(api, anon_rate):
    for _ in range(3):
        assert token_call(api, **via_proxy(CLIENT_1)).status_code == 400
    assert token_call(api, **via_proxy(CLIENT_1)).status_code == 429
    assert token_call(api, **via_proxy(CLIENT_2)).status_code == 400  # the other client is not blocked


def test_token_throttle_ignores_x_real_ip_from_an_untrusted_peer(api, anon_rate):
    for i in range(3):
        assert token_call(api, REMOTE_ADDR=DIRECT, HTTP_X_REAL_IP=f"192.0.2.{i + 1}").status_code == 400
    assert token_call(api, REMOTE_ADDR=DIRECT, HTTP_X_REAL_IP="192.0.2.200").status_code == 429


# --- sign-in lockouts and the sign-in rate --------------------------------------------------------------

def sign_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_sign_in_lockout_behind_the_proxy_is_per_client(world, client):
    for _ in range(4):
        assert sign_in(client, "parent_a", "wrong", **via_proxy(CLIENT_1)).status_code == 200
    assert sign_in(client, "parent_a", "wrong", **via_proxy(CLIENT_1)).status_code == 429  # the fifth locks
    assert sign_in(client, "parent_a", PASSWORD, **via_proxy(CLIENT_1)).status_code == 429
    # The same account from another client behind the same load balancer still signs in.
    assert sign_in(client, "parent_a", PASSWORD, **via_proxy(CLIENT_2)).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT_1}


def test_sign_in_lockout_ignores_forged_headers_from_a_direct_client(world, client):
    for i in range(4):
        assert sign_in(client, "parent_a", "wrong", **direct(n=i)).status_code == 200
    assert sign_in(client, "parent_a", "wrong", **direct(n=4)).status_code == 429
    assert sign_in(client, "parent_a", PASSWORD, **direct(n=77)).status_code == 429


def test_sign_in_rate_behind_the_proxy_is_per_client(world, client, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for username in ("nobody", "parent_a", "nobody2"):
        assert sign_in(client, username, "wrong", **via_proxy(CLIENT_1)).status_code == 200
    refused = sign_in(client, "parent_a", PASSWORD, **via_proxy(CLIENT_1))
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "Too many sign-in attempts" in sign_in(client, "x", "y", HTTP_ACCEPT_LANGUAGE="en",
                                                   **via_proxy(CLIENT_1)).content.decode()
    assert sign_in(client, "parent_a", PASSWORD, **via_proxy(CLIENT_2)).status_code == 302


def test_sign_in_rate_is_not_escaped_by_forged_headers(world, client, settings):
    settings.LOGIN_RATE_LIMIT = 3
    for i in range(3):
        assert sign_in(client, f"nobody{i}", "wrong", **direct(n=i)).status_code == 200
    assert sign_in(client, "nobody", "wrong", **direct(n=50)).status_code == 429


# --- audit rows ------------------------------------------------------------------------------------------

def test_audit_rows_record_the_real_client_behind_the_proxy(world, client, api):
    sign_in(client, "parent_a", "wrong", **via_proxy(CLIENT_1))
    sign_in(client, "parent_a", PASSWORD, **via_proxy(CLIENT_2))
    api.post("/api/v1/auth/token/", {"username": "principal", "password": PASSWORD}, format="json",
             **via_proxy(CLIENT_1))
    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED, username="parent_a")
    web = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, user=world.parent_a)
    token = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, user=world.principal, detail="api token")
    assert (failed.ip_address, web.ip_address, token.ip_address) == (CLIENT_1, CLIENT_2, CLIENT_1)
    # A read of a child's record made through the proxy is logged with the client too.
    assert api.as_user(world.principal).get(f"/api/v1/students/{world.child_a.pk}/",
                                            **via_proxy(CLIENT_2)).status_code == 200
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ, user=world.principal)
    assert reads.exists() and set(reads.values_list("ip_address", flat=True)) == {CLIENT_2}


def test_audit_rows_record_the_peer_not_a_forged_header(world, client):
    sign_in(client, "parent_a", PASSWORD, **direct(n=3))
    assert AuditEvent.objects.get(action=AuditEvent.Action.LOGIN, user=world.parent_a).ip_address == DIRECT
