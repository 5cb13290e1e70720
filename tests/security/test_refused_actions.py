"""The most sensitive actions, refused: the roles the access matrix refuses change nothing (rows
counted before and after), on the web page and through the API."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from . import objects as o

pytestmark = pytest.mark.django_db


def _web(user):
    client = Client()
    client.force_login(user)
    return client


def _api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _snapshot(*querysets):
    return [sorted(qs.values_list("pk", *fields)) for qs, fields in querysets]


@pytest.mark.parametrize("role", ["other_parent", "parent_b", "homeroom", "teacher_b", "principal", "district",
                                  "bureau"])
def test_withdraw_is_the_guardians_alone(world, role):
    from enrollment.models import Application, ApplicationTransition, Placement

    o.enrollment_objects(world)
    state = lambda: _snapshot((Application.objects.all(), ("status", "waitlist_position")),  # noqa: E731
                              (ApplicationTransition.objects.all(), ("to_status",)),
                              (Placement.objects.all(), ("active",)))
    before = state()
    user = getattr(world, role)
    assert _web(user).post(reverse("enrollment:withdraw", args=[world.app_a.pk]), {"reason": "x"}).status_code in (
        403, 404)
    assert _api(user).post(f"/api/v1/applications/{world.app_a.pk}/withdraw/", {}, format="json").status_code in (
        403, 404)
    assert state() == before


@pytest.mark.parametrize("role", ["parent_a", "other_parent", "parent_b", "teacher_b", "district", "bureau"])
def test_review_and_claim_decisions_are_the_class_and_principals(world, role):
    from enrollment.models import Application, PriorityClaim

    o.enrollment_objects(world)
    state = lambda: _snapshot((Application.objects.all(), ("status", "reviewed_by_id")),  # noqa: E731
                              (PriorityClaim.objects.all(), ("status", "decided_by_id")))
    before = state()
    user = getattr(world, role)
    web, api = _web(user), _api(user)
    assert web.post(reverse("enrollment:review", args=[world.app_a.pk]), {"decision": "approve"}).status_code in (
        403, 404)
    assert web.post(reverse("enrollment:claim_decide", args=[world.claim_a.pk]), {"verified": "1"}).status_code in (
        403, 404)
    assert api.post(f"/api/v1/applications/{world.app_a.pk}/review/", {"decision": "reject", "reason": "x"},
                    format="json").status_code in (403, 404)
    assert api.post(f"/api/v1/applications/{world.app_a.pk}/decide-claim/",
                    {"claim": world.claim_a.pk, "verified": True}, format="json").status_code in (403, 404)
    assert state() == before


@pytest.mark.parametrize("role", ["parent_a", "parent_b", "homeroom", "teacher_b", "district", "bureau"])
def test_only_the_principal_approves_or_returns_the_service_plan(world, role):
    from clubs.models import ServicePlan

    o.clubs_submitted_plan(world)
    before = _snapshot((ServicePlan.objects.all(), ("status", "decided_by_id", "revision")))
    web = _web(getattr(world, role))
    for name, data in (("clubs:plan_approve", {}), ("clubs:plan_return", {"comment": "x"})):
        assert web.post(reverse(name, args=[world.plan_a.pk]), data).status_code in (403, 404)
    assert _snapshot((ServicePlan.objects.all(), ("status", "decided_by_id", "revision"))) == before


@pytest.mark.parametrize("role", ["parent_a", "other_parent", "homeroom", "teacher_b", "district", "bureau"])
def test_only_the_schools_leads_review_and_close_an_incident(world, role):
    from safety.models import Incident

    o.safety_objects(world)
    before = _snapshot((Incident.objects.all(), ("status", "closed_at", "closing_summary")))
    user = getattr(world, role)
    for to in ("reviewing", "closed"):
        assert _web(user).post(reverse("safety:incident_transition", args=[world.incident_a.pk]),
                               {"to": to, "summary": "x"}).status_code in (403, 404)
        assert _api(user).post(f"/api/v1/incidents/{world.incident_a.pk}/transition/", {"to": to, "summary": "x"},
                               format="json").status_code in (403, 404)
    assert _snapshot((Incident.objects.all(), ("status", "closed_at", "closing_summary"))) == before


@pytest.mark.parametrize("role", ["parent_a", "parent_b", "homeroom", "teacher_b", "district", "bureau"])
def test_only_the_principal_confirms_an_import(world, role):
    from schools.models import Guardianship, ImportBatch, Student

    o.school_admin_objects(world)
    state = lambda: (Student.objects.count(), Guardianship.objects.count(),  # noqa: E731
                     _snapshot((ImportBatch.objects.all(), ("status",))))
    before = state()
    url = reverse("schools:import_confirm", args=[world.school_a.pk, world.batch_a.pk])
    web = _web(getattr(world, role))
    assert web.post(url).status_code in (403, 404)
    assert web.post(url, {"action": "discard"}).status_code in (403, 404)
    assert state() == before


def test_the_principal_confirms_the_import(world):
    """The control: the same request by the principal does import (so the refusals above mean something)."""
    from schools.models import Student

    o.school_admin_objects(world)
    before = Student.objects.count()
    url = reverse("schools:import_confirm", args=[world.school_a.pk, world.batch_a.pk])
    assert _web(world.principal).post(url).status_code == 302
    assert Student.objects.count() == before + 1
