"""Every endpoint × every role of the matrix (see matrix.py). A new endpoint without an entry fails."""
from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import add_offices
from tests.factories import IN_TERM, PASSWORD

from .matrix import ENDPOINTS, EXCLUDED, EXCLUDED_PREFIXES, ROLES, leak_markers
from .objects import sensitive

pytestmark = pytest.mark.django_db

CHECKED: list[tuple[str, str, str]] = []


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), (namespace + p.name) if p.name else None


def discovered_names() -> set[str]:
    names = set()
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES) or route.startswith("static/"):
            continue
        assert name, f"URL pattern {route!r} has no name: name it and add it to the access matrix"
        if name not in EXCLUDED:
            names.add(name)
    return names


def test_every_url_pattern_is_in_the_matrix():
    covered = {e.name for e in ENDPOINTS}
    assert sorted(discovered_names() - covered) == [], "add these endpoints to tests/security/matrix.py"
    assert sorted(covered - discovered_names()) == [], "these matrix entries no longer exist"


def test_every_api_operation_is_in_the_matrix():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    covered = {e.key for e in ENDPOINTS}
    missing = []
    for path, operations in schema["paths"].items():
        concrete = path.replace("{id}", "1").replace("{pk}", "1")
        for part in [seg for seg in concrete.split("/") if seg.startswith("{")]:
            concrete = concrete.replace(part, "1")
        name = resolve(concrete).view_name
        for method in operations:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"} and (name, method.upper()) not in covered:
                missing.append(f"{method.upper()} {path} ({name})")
    assert missing == [], "add these API operations to tests/security/matrix.py"


def _client_for(world, role: str, api: bool):
    if role == "anonymous":
        return APIClient() if api else _web_client()
    user = getattr(world, role)
    if api:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client
    client = _web_client()
    client.force_login(user)
    return client


def _web_client():
    from django.test import Client

    return Client()


def _body_text(response) -> str:
    """What a response shows: its text, or the cells of a spreadsheet export."""
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if c is not None)
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _without_echo(body: str, params: dict) -> str:
    """Drop the search terms a page echoes back in its form fields (value="..."), not the results."""
    from django.utils.html import escape

    for value in params.values():
        for form in {str(value), escape(str(value))}:
            body = body.replace(f'value="{form}"', 'value=""')
    return body


@pytest.mark.time_machine(IN_TERM)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.name}")
def test_access_matrix(world, endpoint):
    """Each role gets the status the matrix says, and no response shows what the role may not see
    (also with the endpoint's search/filter/export variants). On a school day of the fixtures' term:
    the matrix is about who may, and a write that needs the term (a departure slot) must not answer
    400 because the day of the run is in the holidays."""
    add_offices(world)
    sensitive(world)
    if endpoint.setup:
        endpoint.setup(world)
    url = reverse(endpoint.name, kwargs=endpoint.kwargs(world) if endpoint.kwargs else None)
    markers = leak_markers(world)
    failures = []
    variants = [{}] + ([v(world) for v in endpoint.variants] if endpoint.method == "GET" else [])
    for role in ROLES:
        for params in variants:
            AccessAttempt.objects.all().delete()  # each role's attempt starts with a clean lockout slate
            client = _client_for(world, role, endpoint.api)
            data = endpoint.data(world) if endpoint.data else None
            if endpoint.method == "GET":
                response = client.get(url, params)
            else:
                kwargs = {"format": "json"} if endpoint.api else {}
                response = getattr(client, endpoint.method.lower())(url, data or {}, **kwargs)
            expected = endpoint.expect.get(role, endpoint.default)
            where = f"{role} {params}" if params else role
            if response.status_code != expected:
                failures.append(f"{where}: {response.status_code} (expected {expected})")
            if endpoint.method == "GET" and response.status_code == 200:
                body = _without_echo(_body_text(response), params)
                allowed = endpoint.may_show.get(role, set())
                for marker, text in markers[role].items():
                    if marker not in allowed and text and text in body:
                        failures.append(f"{where}: response shows {marker} ({text})")
            CHECKED.append((endpoint.name, endpoint.method, role))
    assert failures == [], "\n".join(failures)


def test_matrix_size_is_reported(capsys):
    """Prints how many (role, endpoint) pairs the matrix checks (for the issue note)."""
    pairs = len(ENDPOINTS) * len(ROLES)
    variants = sum(len(e.variants) for e in ENDPOINTS) * len(ROLES)
    print(f"access matrix: {len(ENDPOINTS)} endpoints x {len(ROLES)} roles = {pairs} pairs"
          f" (+{variants} search/filter/export requests)")
    assert pairs > 0


def test_login_with_matrix_password_works(world, client):
    assert client.post("/accounts/login/", {"username": "principal", "password": PASSWORD}).status_code == 302
