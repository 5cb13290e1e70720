"""The access matrix: every URL of the project, what each role of the role matrix gets there.

`test_access_matrix.py` discovers every URL pattern (from the resolver) and every API operation
(from the OpenAPI schema) and fails when one has no entry here, so a new endpoint cannot ship
without saying who may use it. Each entry names the object it is asked about (always one of
school_a / family a of the `world` fixture) and the status each role gets; every GET response is
also searched for data the role must never see (LEAKS).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ["anonymous", "parent_a", "other_parent", "parent_b", "homeroom", "teacher_b", "principal", "district",
         "bureau"]
STAFF_A = {"homeroom", "principal"}
SIGNED_IN = set(ROLES) - {"anonymous"}


@dataclass
class Endpoint:
    name: str
    method: str = "GET"
    #: URL kwargs for the object asked about, built from the world (after `setup`).
    kwargs: Callable | None = None
    #: role -> expected status; roles not listed get `default`.
    expect: dict = field(default_factory=dict)
    default: int = 404
    data: Callable | None = None
    #: prepares extra objects on the world (e.g. a notice for parent_a); returns nothing.
    setup: Callable | None = None
    api: bool = False
    #: markers (see LEAKS) this endpoint may legitimately show to a role: {role: {marker, ...}}
    may_show: dict = field(default_factory=dict)
    note: str = ""
    #: extra GET requests to the same URL, each `(world) -> {query params}`: searches, filters and
    #: export formats (e.g. `lambda w: {"q": w.child_b.name}`, `lambda w: {"format": "xlsx"}`). Each
    #: gets the same expected statuses and leak checks; a search term echoed back in a form field
    #: does not count as a leak, the results do.
    variants: list = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.method


def roles(status: int, names) -> dict:
    return dict.fromkeys(names, status)


# --- what each role must never see, anywhere -------------------------------------------------
def leak_markers(world) -> dict[str, dict[str, str]]:
    """marker name -> text, per role: the names and phones of children and parents out of scope."""
    kids = {"child_a": world.child_a.name, "child_a2": world.child_a2.name, "child_b": world.child_b.name}
    phones = {"phone_parent_a": world.parent_a.phone, "phone_other_parent": world.other_parent.phone,
              "phone_parent_b": world.parent_b.phone}
    sees = {
        "anonymous": set(),
        "parent_a": {"child_a", "phone_parent_a"},
        "other_parent": {"child_a2", "phone_other_parent"},
        "parent_b": {"child_b", "phone_parent_b"},
        "homeroom": {"child_a", "child_a2"},
        "teacher_b": set(),
        "principal": {"child_a", "child_a2"},
        "district": set(),
        "bureau": set(),
    }
    everything = {**kids, **phones}
    return {role: {m: t for m, t in everything.items() if m not in seen} for role, seen in sees.items()}


def _notice_for_parent_a(world):
    from notices.services import notify

    world.notice_a = notify(recipients=[world.parent_a], kind="test", title="matrix notice")[0]


ENDPOINTS: list[Endpoint] = [
    # --- public ----------------------------------------------------------------------------
    Endpoint("accounts:login", default=302, expect={"anonymous": 200}),
    Endpoint("set_language", method="POST", data=lambda w: {"language": "en", "next": "/"}, default=302),
    Endpoint("javascript-catalog", default=200),
    Endpoint("healthz", default=200),
    Endpoint("api:token", method="POST", api=True, data=lambda w: {"username": "nobody", "password": "x"},
             default=400),
    # --- signed in, anyone ---------------------------------------------------------------------
    Endpoint("home", default=302, expect={"anonymous": 302}),
    Endpoint("accounts:profile", default=200, expect={"anonymous": 302}),
    Endpoint("accounts:logout", method="POST", default=302),
    Endpoint("accounts:revoke_tokens", method="POST", default=302, expect={"anonymous": 302}),
    Endpoint("api:me", api=True, default=200, expect={"anonymous": 401}),
    Endpoint("api:token-revoke", method="POST", api=True, default=204, expect={"anonymous": 401}),
    Endpoint("schema", default=200, expect={"anonymous": 401}),
    Endpoint("api-docs", default=200, expect={"anonymous": 401}),
    Endpoint("notices:inbox", default=200, expect={"anonymous": 302}),
    Endpoint("notices:read_all", method="POST", default=302, expect={"anonymous": 302}),
    Endpoint("notices:open", method="POST", setup=_notice_for_parent_a, kwargs=lambda w: {"pk": w.notice_a.pk},
             expect={"anonymous": 302, "parent_a": 302}),
    Endpoint("api:notification-list", api=True, default=200, expect={"anonymous": 401}),
    Endpoint("api:notification-detail", api=True, setup=_notice_for_parent_a,
             kwargs=lambda w: {"pk": w.notice_a.pk}, expect={"anonymous": 401, "parent_a": 200}),
    Endpoint("api:notification-read", method="POST", api=True, setup=_notice_for_parent_a,
             kwargs=lambda w: {"pk": w.notice_a.pk}, expect={"anonymous": 401, "parent_a": 200}),
    # --- schools --------------------------------------------------------------------------------
    Endpoint("schools:list", default=200, expect={"anonymous": 302},
             variants=[lambda w: {"q": w.school_b.name}, lambda w: {"district": w.district_b.pk}]),
    Endpoint("schools:my_children", default=200, expect={"anonymous": 302}),
    Endpoint("schools:detail", kwargs=lambda w: {"pk": w.school_a.pk},
             expect={"anonymous": 302, **roles(200, ["parent_a", "other_parent", "homeroom", "principal",
                                                     "district", "bureau"])}),
    Endpoint("api:school-list", api=True, default=200, expect={"anonymous": 401}),
    Endpoint("api:school-detail", api=True, kwargs=lambda w: {"pk": w.school_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "other_parent", "homeroom", "principal",
                                                     "district", "bureau"])}),
    Endpoint("api:student-list", api=True, default=200, expect={"anonymous": 401},
             variants=[lambda w: {"school": w.school_b.pk}, lambda w: {"homeroom_class": w.class_b.pk}]),
    Endpoint("api:student-detail", api=True, kwargs=lambda w: {"pk": w.child_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "homeroom", "principal"])}),
]

# --- privacy (consent, data download, corrections, audit pages) -------------------------------
def _correction_for_child_a(world):
    from privacy.models import CorrectionRequest

    world.correction_a = CorrectionRequest.objects.create(student=world.child_a, requested_by=world.parent_a,
                                                          text="birth date is wrong")


def _reads_in_both_schools(world):
    """An audit trail in both schools, so the audit pages have something to leak if they could."""
    from accounts.services import audit_record

    audit_record(user=world.homeroom, action="read", obj=world.child_a, detail="priority claims")
    audit_record(user=world.teacher_b, action="read", obj=world.child_b, detail="priority claims")
    world.child_b.health_notes = "peanut allergy"
    world.child_b.save()


ONLY_PARENT_A = {"anonymous": 302, "parent_a": 200}
AUDITORS = {"anonymous": 302, "principal": 200, "bureau": 200}

ENDPOINTS += [
    Endpoint("privacy:notice", default=200),
    Endpoint("privacy:consent", default=200, expect={"anonymous": 302}),
    Endpoint("privacy:consent_decide", method="POST", kwargs=lambda w: {"student_id": w.child_a.pk},
             data=lambda w: {"decision": "given"}, expect={"anonymous": 302, "parent_a": 302}),
    Endpoint("privacy:child_data", kwargs=lambda w: {"student_id": w.child_a.pk}, expect=ONLY_PARENT_A),
    Endpoint("privacy:child_data_json", kwargs=lambda w: {"student_id": w.child_a.pk}, expect=ONLY_PARENT_A),
    Endpoint("privacy:correction_new", kwargs=lambda w: {"student_id": w.child_a.pk}, expect=ONLY_PARENT_A),
    Endpoint("privacy:corrections", setup=_correction_for_child_a, default=200, expect={"anonymous": 302}),
    Endpoint("privacy:correction_done", method="POST", setup=_correction_for_child_a,
             kwargs=lambda w: {"pk": w.correction_a.pk}, data=lambda w: {"response": "fixed"},
             expect={"anonymous": 302, "parent_a": 403, "principal": 302}),
    Endpoint("privacy:audit_access", setup=_reads_in_both_schools, default=403, expect=AUDITORS,
             variants=[lambda w: {"child": w.child_b.name}, lambda w: {"child": w.child_b.student_number},
                       lambda w: {"username": "teacher_b"}]),
    Endpoint("privacy:audit_changes", setup=_reads_in_both_schools, default=403, expect=AUDITORS,
             variants=[lambda w: {"child": w.child_b.name}, lambda w: {"child": w.child_b.student_number},
                       lambda w: {"kind": "guardianship"}, lambda w: {"kind": "guardianship", "child": w.child_b.name}]),
]

# --- reports (weekly coverage reports, dashboard, exports) ------------------------------------
def _published_reports(world):
    from reports.models import WeeklyCoverageReport
    from reports.services import reports_build, reports_publish
    from reports.weeks import iso_week, previous_week_start

    week_start = previous_week_start()
    reports_build(week_start=week_start)
    reports_publish(week=iso_week(week_start), by=world.bureau)
    world.report_school_a = WeeklyCoverageReport.objects.get(scope_key=f"school:{world.school_a.pk}",
                                                             week=iso_week(week_start))


REPORT_READERS_A = {"anonymous": 302, **roles(200, ["principal", "district", "bureau"])}
ONLY_BUREAU = {"anonymous": 302, "bureau": 200}
BUREAU_POSTS = {"anonymous": 302, "bureau": 302}

ENDPOINTS += [
    Endpoint("reports:dashboard", expect={"anonymous": 302, **roles(302, ["principal", "district", "bureau"])}),
    Endpoint("reports:city", setup=_published_reports, expect=ONLY_BUREAU,
             variants=[lambda w: {"week": "garbage"}, lambda w: {"week": "2020-W01"}]),
    Endpoint("reports:city_direct", setup=_published_reports, expect=ONLY_BUREAU),
    Endpoint("reports:district", setup=_published_reports, kwargs=lambda w: {"pk": w.district_a.pk},
             expect={"anonymous": 302, "district": 200, "bureau": 200}),
    Endpoint("reports:school", setup=_published_reports, kwargs=lambda w: {"pk": w.school_a.pk},
             expect=REPORT_READERS_A),
    *[Endpoint(f"reports:{name}", setup=_published_reports, kwargs=lambda w: {"pk": w.report_school_a.pk},
               expect=REPORT_READERS_A) for name in ("xlsx", "csv", "print", "term_xlsx")],
    Endpoint("reports:build", method="POST", setup=_published_reports, data=lambda w: {"week": "2020-W01"},
             default=403, expect=BUREAU_POSTS),
    Endpoint("reports:publish", method="POST", setup=_published_reports, data=lambda w: {"week": "2020-W01"},
             default=403, expect=BUREAU_POSTS),
    # without ?week= every signed-in caller gets 400; scoping with parameters: tests/reports/test_api.py
    Endpoint("api:reports-weekly", api=True, setup=_published_reports, default=400, expect={"anonymous": 401}),
    Endpoint("api:reports-weekly-build", method="POST", api=True, data=lambda w: {"week": "bad"}, default=403,
             expect={"anonymous": 401, "bureau": 400}),
    Endpoint("api:reports-weekly-publish", method="POST", api=True, data=lambda w: {"week": "2020-W01"},
             default=403, expect={"anonymous": 401, "bureau": 400}),
]

#: URL names that are not part of the matrix, with the reason.
EXCLUDED = {
    "api-root": "disabled",
}
EXCLUDED_PREFIXES = ("admin/",)  # Django admin: staff-only, guarded by is_staff and tested separately

# --- attendance (rolls, marks, custody, the duty leader's day, leave) --------------------------
def _roll_held_by_homeroom(world):
    """A group of school_a held by the homeroom teacher, child_a and child_a2 placed, today's roll."""
    from django.utils import timezone

    from attendance.models import Roll
    from attendance.services import rolls_create_for_day
    from tests.attendance.factories import place
    from tests.enrollment.factories import ServiceGroupFactory

    group = ServiceGroupFactory(school=world.school_a, term=world.term, teacher=world.homeroom, capacity=30)
    place(world.child_a, group, guardian=world.parent_a)
    place(world.child_a2, group, guardian=world.other_parent)
    rolls_create_for_day(school=world.school_a, date=timezone.localdate(), any_weekday=True)
    world.roll_a = Roll.objects.get(group=group)


def _leave_for_child_a(world):
    from django.utils import timezone

    from attendance.models import Leave

    world.leave_a = Leave.objects.create(student=world.child_a, date=timezone.localdate(), reported_by=world.parent_a)


def _today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


PARENTS = ["parent_a", "other_parent", "parent_b"]
DAY_RUNNER = {"anonymous": 302, "principal": 200, "homeroom": 403}
DAY_RUNNER_POST = {"anonymous": 302, "principal": 302, "homeroom": 403}
ROLL_SEERS = {"anonymous": 401, "homeroom": 200, "principal": 200}

ENDPOINTS += [
    Endpoint("attendance:today", default=200, expect={"anonymous": 302, **roles(403, PARENTS)},
             variants=[lambda w: {"date": "2026-13-01"}]),
    Endpoint("attendance:generate", method="POST", data=lambda w: {"school": w.school_a.pk, "date": _today()},
             expect={"anonymous": 302, "principal": 302, "homeroom": 403}),
    Endpoint("attendance:roll", setup=_roll_held_by_homeroom, kwargs=lambda w: {"pk": w.roll_a.pk},
             expect={"anonymous": 302, "homeroom": 200, "principal": 200}),
    Endpoint("attendance:sw", default=200),
    Endpoint("attendance:my_console", default=200, expect={"anonymous": 302, "principal": 302,
                                                           **roles(403, PARENTS)}),
    Endpoint("attendance:console", setup=_roll_held_by_homeroom, kwargs=lambda w: {"school_id": w.school_a.pk},
             expect=DAY_RUNNER, variants=[lambda w: {"date": "2026-02-30"}]),
    Endpoint("attendance:pickup", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"student": w.child_a.pk, "person": f"guardian:{w.parent_a.pk}", "kind": "pickup"},
             expect=DAY_RUNNER_POST),
    Endpoint("attendance:close_day", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             expect=DAY_RUNNER_POST),
    Endpoint("attendance:patrol", kwargs=lambda w: {"school_id": w.school_a.pk}, expect=DAY_RUNNER),
    Endpoint("attendance:rota", kwargs=lambda w: {"school_id": w.school_a.pk}, expect=DAY_RUNNER),
    Endpoint("attendance:overview", setup=_roll_held_by_homeroom, kwargs=lambda w: {"school_id": w.school_a.pk},
             expect=DAY_RUNNER),
    Endpoint("attendance:leave", default=403, expect={"anonymous": 302, **roles(200, PARENTS)}),
    Endpoint("attendance:leave_cancel", method="POST", setup=_leave_for_child_a,
             kwargs=lambda w: {"pk": w.leave_a.pk},
             expect={"anonymous": 302, "parent_a": 302, "homeroom": 403, "principal": 403}),
    Endpoint("api:roll-list", api=True, setup=_roll_held_by_homeroom, default=200, expect={"anonymous": 401},
             variants=[lambda w: {"school": w.school_a.pk, "date": _today()}]),
    Endpoint("api:roll-detail", api=True, setup=_roll_held_by_homeroom, kwargs=lambda w: {"pk": w.roll_a.pk},
             expect=ROLL_SEERS),
    Endpoint("api:roll-marks", method="POST", api=True, setup=_roll_held_by_homeroom,
             kwargs=lambda w: {"pk": w.roll_a.pk},
             data=lambda w: [{"student": w.child_a.pk, "status": "present", "client_id": "matrix-1"}],
             expect={"anonymous": 401, "homeroom": 200, "principal": 403}),
    Endpoint("api:roll-submit", method="POST", api=True, setup=_roll_held_by_homeroom,
             kwargs=lambda w: {"pk": w.roll_a.pk}, expect={"anonymous": 401, "homeroom": 400, "principal": 403},
             note="homeroom holds the roll; 400 because no child is marked yet"),
    Endpoint("api:custody-event-list", method="POST", api=True,
             data=lambda w: {"student": w.child_a.pk, "kind": "pickup", "guardian": w.parent_a.pk},
             expect={"anonymous": 401, "homeroom": 201, "principal": 201, "parent_a": 403}),
    Endpoint("api:day-close", method="POST", api=True,
             kwargs=lambda w: {"school": w.school_a.pk, "date": _today()},
             expect={"anonymous": 401, "principal": 200, "homeroom": 403}),
]
