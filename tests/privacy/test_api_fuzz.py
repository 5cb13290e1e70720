"""Fuzz the whole API with schemathesis from the OpenAPI schema, as several roles (token auth).

For every operation of the schema and every role, schemathesis generates a bounded number of
requests (FUZZ_EXAMPLES, default 12; the second pass aims at real objects of the world) and sends
them to the WSGI app in process. Checks: no 5xx, responses that the schema documents conform to it,
and content types match. The counts are printed (`-s`) for the issue note.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

schemathesis = pytest.importorskip("schemathesis")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
ROLES = ["parent_a", "principal", "bureau"]


@pytest.fixture
def wsgi_app():
    """The real WSGI app, sharing the test's database connection (as Django's test client does)."""
    from django.core.wsgi import get_wsgi_application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    return [not_a_server_error, response_schema_conformance, content_type_conformance]


def _fuzz(strategy, *, user, role, operation, app, checks, counts, statuses):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        # A fresh token each time: the fuzzer may call the revoke endpoint.
        token, _ = Token.objects.get_or_create(user=user)
        headers = {"Authorization": f"Token {token.key}", "Accept-Language": "en"}
        response = case.call(app=app, headers=headers)
        counts[(role, operation.label)] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks, headers=headers, transport_kwargs={"app": app})

    run()


def test_api_fuzz_as_each_role(world, wsgi_app, capsys):
    from notices.services import notify

    notify(recipients=[world.parent_a], kind="fuzz", title="fuzz notice")
    schema = schemathesis.openapi.from_dict(_schema())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the schema has no operations"
    known_ids = [world.child_a.pk, world.school_a.pk, world.child_b.pk]
    checks = _checks()
    counts: Counter = Counter()
    statuses: Counter = Counter()

    for role in ROLES:
        user = getattr(world, role)
        for operation in operations:
            path_params = [p.name for p in operation.path_parameters]
            strategies = [operation.as_strategy()]
            strategies += [operation.as_strategy(path_parameters=dict.fromkeys(path_params, pk))
                           for pk in known_ids[:1]] if path_params else []
            for strategy in strategies:
                _fuzz(strategy, user=user, role=role, operation=operation, app=wsgi_app, checks=checks,
                      counts=counts, statuses=statuses)

    total = sum(counts.values())
    with capsys.disabled():
        print(f"\nfuzz: {len(operations)} operations x {len(ROLES)} roles, {total} requests; "
              f"statuses {dict(sorted(statuses.items()))}")
    assert total >= len(operations) * len(ROLES)
    assert not any(code >= 500 for code in statuses)
