"""Issue #17 items 6 and 7: ids in URLs are ASCII digits (other scripts' digits are 404, so no read
escapes the access log), audit rows hold the resolved key, and hostile bodies and parameters
answer 400 (or 404 where that is the convention), never 500."""
from __future__ import annotations

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditEvent
from privacy.selectors import access_log

from . import objects as o
from .matrix import ENDPOINTS, EXCLUDED_PREFIXES, ROLES

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999  # beyond 64 bits: SQLite raised OverflowError on it


def arabic_indic(n: int) -> str:
    return "".join(chr(0x660 + int(d)) for d in str(n))


def full_width(n: int) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in str(n))


def _client(world, role, api):
    if api:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=getattr(world, role))
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client
    from django.test import Client

    client = Client()
    client.force_login(getattr(world, role))
    return client


def _with_digits(url: str, kwargs: dict, spell) -> str:
    """The URL with every integer kwarg's path segment spelled by `spell` (e.g. in Arabic-Indic digits)."""
    for value in kwargs.values():
        if isinstance(value, int) and not isinstance(value, bool):
            url = re.sub(rf"/{value}(?=/|\.|$)", f"/{spell(value)}", url)
    return url


# --- item 6: ids in URLs ---------------------------------------------------------------------
@pytest.mark.parametrize("spell", [arabic_indic, full_width], ids=["arabic-indic", "full-width"])
def test_student_detail_with_other_scripts_digits_is_404_and_not_logged_as_a_read(world, api, spell):
    client = api.as_user(world.principal)
    pk = world.child_a.pk
    assert client.get(f"/api/v1/students/{pk}/").status_code == 200
    before = AuditEvent.objects.count()
    response = client.get(f"/api/v1/students/{spell(pk)}/")
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


def test_an_api_read_is_audited_under_the_objects_key_and_found_by_the_access_log(world, api):
    api.as_user(world.principal).get(f"/api/v1/students/{world.child_a.pk:03d}/")  # "007": the same child
    event = AuditEvent.objects.get(object_type="schools.student", action=AuditEvent.Action.READ)
    assert event.object_id == str(world.child_a.pk)
    found = access_log(user=world.principal, child=world.child_a.student_number)
    assert event in found


def test_an_incident_read_is_audited_under_its_key(world, api):
    o.safety_objects(world)
    response = api.as_user(world.principal).get(f"/api/v1/incidents/0{world.incident_a.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="safety.incident", action=AuditEvent.Action.READ)
    assert event.object_id == str(world.incident_a.pk)


WITH_IDS = [e for e in ENDPOINTS if e.kwargs and any(
    e.expect.get(r, e.default) != 404 for r in ROLES if r != "anonymous")]


@pytest.mark.parametrize("endpoint", WITH_IDS, ids=lambda e: f"{e.method} {e.name}")
def test_every_url_with_an_id_refuses_other_scripts_digits(world, endpoint):
    """Students, applications, rolls, incidents, clubs, letters, ... on the API and the pages: the
    URL that works with ASCII digits is 404 with the same id in Arabic-Indic or full-width digits."""
    if endpoint.setup:
        endpoint.setup(world)
    kwargs = endpoint.kwargs(world)
    role = next(r for r in ROLES if r != "anonymous" and endpoint.expect.get(r, endpoint.default) != 404)
    url = reverse(endpoint.name, kwargs=kwargs)
    client = _client(world, role, endpoint.api)
    if endpoint.method == "GET":  # the URL is right: the role gets what the matrix says
        assert client.get(url).status_code == endpoint.expect.get(role, endpoint.default)
    for spell in (arabic_indic, full_width):
        odd = _with_digits(url, kwargs, spell)
        assert odd != url
        response = getattr(client, endpoint.method.lower())(odd)
        assert response.status_code == 404, f"{endpoint.method} {odd} as {role}: {response.status_code}"


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + p.pattern.regex.pattern.lstrip("^"))
        elif isinstance(p, URLPattern):
            yield prefix + p.pattern.regex.pattern.lstrip("^")


#: URL parameters that are text, not ids (an import kind, a file format, a date).
TEXT_PARAMETERS = {"kind", "fmt", "date"}


def test_no_url_pattern_takes_an_id_in_any_script():
    """A new route with DRF's default `[^/.]+` or a `\\d` (which matches every script's digits)
    fails here; ids take `[0-9]+` (Django's `<int:...>`, the project's API router)."""
    wrong = []
    for regex in _walk(get_resolver().url_patterns):
        if regex.startswith(EXCLUDED_PREFIXES):
            continue
        for name, group in re.findall(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", regex):
            if name not in TEXT_PARAMETERS and re.fullmatch(group, arabic_indic(33)):
                wrong.append(f"{regex} ({name})")
    assert wrong == []


# --- item 7: hostile input -------------------------------------------------------------------
def test_deeply_nested_json_is_400_not_a_recursion_error(world, api):
    client = api.as_user(world.parent_a)
    response = client.post("/api/v1/applications/", data="[" * 5000, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("depth", [40, 900])
def test_nesting_below_the_recursion_limit_but_beyond_any_real_body_is_400(world, api, depth):
    body = '{"children": ' + "[" * depth + "1" + "]" * depth + "}"
    response = api.as_user(world.principal).post("/api/v1/incidents/", data=body, content_type="application/json",
                                                  HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]


def test_normal_nesting_still_parses(world, api):
    """The questionnaire answers body (an object of lists) is well inside the limit."""
    o.voice_objects(world)
    response = api.as_user(world.parent_a).post(
        f"/api/v1/questionnaires/{world.questionnaire_a.pk}/answers/",
        data=json.dumps({"answers": {"1": [[1]]}}), content_type="application/json")
    assert response.status_code != 500 and "nested" not in response.content.decode()


def _incident(world, **overrides):
    body = {"occurred_at": "2026-01-05T16:00:00+08:00", "type": "injury", "severity": 1, "description": "摔倒",
            "children": [world.child_a.pk]}
    body.update(overrides)
    return body


@pytest.mark.time_machine("2026-01-05T17:00+08:00")
@pytest.mark.parametrize("overrides", [
    {"children": [HUGE]}, {"children": [-HUGE]}, {"children": [str(HUGE)]}, {"staff": [HUGE]}, {"venue": HUGE},
    {"school": HUGE}, {"children": [arabic_indic(1)]}, {"severity": HUGE},
], ids=["child", "negative", "child-as-text", "staff", "venue", "school", "other-digits", "severity"])
def test_huge_ids_in_an_incident_are_400_with_a_message(world, api, overrides):
    from safety.models import Incident

    response = api.as_user(world.principal).post("/api/v1/incidents/", _incident(world, **overrides), format="json",
                                                 HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    field = next(iter(overrides))
    assert field in response.json()
    assert not Incident.objects.exists()


def test_the_huge_child_answer_says_why(world, api):
    response = api.as_user(world.principal).post("/api/v1/incidents/", _incident(world, children=[HUGE]),
                                                 format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["children"] == {"0": ["There is no object with this id."]}


@pytest.mark.parametrize("overrides", [{"student": HUGE}, {"letter": HUGE}, {"term": HUGE}, {"student": "٣"}])
def test_huge_ids_in_an_application_are_400(world, api, overrides):
    o.enrollment_objects(world)
    body = {"student": world.child_a.pk, "letter": world.letter_a.pk, "sessions": ["after_school"],
            "weekdays": [1, 2], "letter_acknowledged": True, **overrides}
    response = api.as_user(world.parent_a).post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400
    assert next(iter(overrides)) in response.json()


def test_other_id_bodies_with_huge_ids_are_400(world, api):
    o.enrollment_objects(world)
    o.clubs_objects(world)
    principal, parent = api.as_user(world.principal), None
    assert principal.post(f"/api/v1/applications/{world.app_a.pk}/decide-claim/", {"claim": HUGE, "verified": True},
                          format="json").status_code == 400
    assert principal.post("/api/v1/custody-events/", {"student": HUGE, "kind": "pickup"},
                          format="json").status_code == 400
    assert principal.post("/api/v1/custody-events/", {"student": world.child_a.pk, "kind": "pickup",
                                                      "guardian": HUGE}, format="json").status_code == 400
    parent = api.as_user(world.parent_a)
    assert parent.post(f"/api/v1/clubs/{world.club_a.pk}/choices/", {"student": HUGE},
                       format="json").status_code == 400


@pytest.mark.parametrize("query", [
    "/api/v1/students/?school={huge}", "/api/v1/students/?homeroom_class={huge}", "/api/v1/applications/?term={huge}",
    "/api/v1/letters/?school={huge}", "/api/v1/letters/?school=²", "/api/v1/rolls/?school={huge}",
    "/api/v1/rolls/?school=²", "/api/v1/clubs/?school={huge}&grade={huge}", "/api/v1/clubs/?school=²&grade=²",
    "/api/v1/clubs/?category={huge}", "/api/v1/clubs/?category=²", "/api/v1/clubs/?menu=1&school={huge}",
    "/api/v1/reports/weekly/?scope=school&id={huge}", "/api/v1/reports/weekly/?scope=school&id=²",
    "/api/v1/incidents/?status={huge}", "/api/v1/service-groups/?school={huge}",
])
def test_huge_and_odd_ids_in_query_parameters_are_400_or_404(world, api, query):
    response = api.as_user(world.principal).get(query.format(huge=HUGE))
    assert response.status_code in (200, 400, 404), response.content[:300]


@pytest.mark.parametrize("page", [str(HUGE), "-1", "٣", "²", "0"])
def test_odd_page_numbers_are_404_not_500(world, api, page):
    response = api.as_user(world.principal).get("/api/v1/students/", {"page": page})
    assert response.status_code in (200, 404)


def test_huge_marks_are_400(world, api):
    from tests.security.matrix import _roll_held_by_homeroom

    _roll_held_by_homeroom(world)
    response = api.as_user(world.homeroom).post(
        f"/api/v1/rolls/{world.roll_a.pk}/marks/", [{"student": HUGE, "status": "present", "client_id": "x"}],
        format="json")
    assert response.status_code == 400
    response = api.as_user(world.homeroom).post(
        f"/api/v1/rolls/{world.roll_a.pk}/marks/", [{"student": "²", "status": "present", "client_id": "x"}],
        format="json")
    assert response.status_code == 400


def test_questionnaire_answers_with_odd_question_ids_are_400(world, api):
    o.voice_objects(world)
    for key in ("²", str(HUGE)):
        response = api.as_user(world.parent_a).post(
            f"/api/v1/questionnaires/{world.questionnaire_a.pk}/answers/", {"answers": {key: 1}}, format="json")
        assert response.status_code in (400, 403, 404), response.content[:300]


# --- the pages: the same inputs through forms and query strings --------------------------------
@pytest.mark.time_machine("2026-01-05T17:00+08:00")
def test_pages_with_huge_and_odd_ids_never_answer_500(world, client):
    o.safety_objects(world)
    client.raise_request_exception = False
    client.force_login(world.principal)
    school = world.school_a.pk
    for value in (str(HUGE), "²", arabic_indic(1)):
        assert client.post(reverse("safety:incident_new"), {"children": [value], "description": ""}).status_code < 500
        assert client.post(reverse("safety:incident_edit", args=[world.incident_a.pk]),
                           {"children": [value]}).status_code < 500
        assert client.post(reverse("attendance:patrol", args=[school]), {"venue": value, "note": "x"}).status_code < 500
        assert client.post(reverse("attendance:rota", args=[school]),
                           {"leader": value, "teachers": [value]}).status_code < 500
        assert client.get(reverse("enrollment:groups"), {"school": value}).status_code < 500
        assert client.get(reverse("schools:list"), {"district": value}).status_code < 500
        assert client.get(reverse("clubs:list"), {"term": value}).status_code < 500
        assert client.get(reverse("privacy:audit_access"), {"child": value}).status_code == 200
    client.force_login(world.parent_a)
    for value in (str(HUGE), "²", arabic_indic(1)):
        assert client.post(reverse("clubs:choose"), {"student": value, "club": value, "rank": value}).status_code < 500


def _refused(response, value) -> bool:
    page = response.content.decode()
    return f"“{value}” is not a valid value" in page or f"Select a valid choice. {value} is not one" in page


@pytest.mark.time_machine("2026-01-05T17:00+08:00")
@pytest.mark.parametrize("value", [str(HUGE), "²", "-1"])
def test_object_pickers_with_huge_ids_are_a_form_error_not_500(world, client, value):
    """The checkbox lists of people (staff involved, inspectors, a club's teachers): Django's
    ModelMultipleChoiceField sent a huge id to the database (`IN (...)`: OverflowError)."""
    o.safety_objects(world)
    o.clubs_objects(world)
    client.force_login(world.principal)
    response = client.post(reverse("safety:incident_edit", args=[world.incident_a.pk]), {
        "type": "injury", "severity": "1", "occurred_at": "2026-01-05 16:00", "description": "x", "staff": [value]},
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and _refused(response, value)
    response = client.post(reverse("clubs:edit", args=[world.club_a_draft.pk]), {"teachers": [value]})
    assert response.status_code in (200, 302, 403, 404, 409)
    client.force_login(world.bureau)
    response = client.post(reverse("safety:inspection_new"), {
        "school": world.school_a.pk, "inspected_on": "2026-01-05", "inspectors": [value]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and _refused(response, value)
