"""The access matrix: every URL of the project, what each role of the role matrix gets there.

`test_access_matrix.py` discovers every URL pattern (from the resolver) and every API operation
(from the OpenAPI schema) and fails when one has no entry here, so a new endpoint cannot ship
without saying who may use it. Each entry names the object it is asked about (always one of
school_a / family a of the `world` fixture) and the status each role gets; every GET response is
also searched for data the role must never see (LEAKS).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ["anonymous", "parent_a", "other_parent", "parent_b", "homeroom", "teacher_b", "principal", "district",
         "bureau", "moral_a", "academic_a", "duty_a", "duty_off_a"]
#: school_a's offices (tests/conftest.add_offices): the moral-education office, the teaching-affairs
#: office, the duty leader on today's rota and a duty leader whose rota day is tomorrow.
OFFICES = ["moral_a", "academic_a", "duty_a", "duty_off_a"]
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
    """marker name -> text, per role: the names, phones, health notes and priority-claim notes of
    children and parents out of the role's scope (objects.sensitive / enrollment_objects plant them)."""
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
        # school_a's offices see the school's children (names), not their families' phones
        **{office: {"child_a", "child_a2"} for office in OFFICES},
    }
    from .objects import CLAIM, HEALTH

    health = {f"health_{k}": v for k, v in HEALTH.items()}
    claims = {f"claim_{k}": v for k, v in CLAIM.items()}
    # priority claims: the child's guardians, the homeroom teacher, the principal; health notes: those
    # and the duty leader on the rota day (schools.selectors.health_notes_visible), never the offices
    children = ("child_a", "child_a2", "child_b")
    for role, seen in sees.items():
        if role not in {"moral_a", "academic_a", "duty_off_a"}:
            seen |= {f"health_{k}" for k in children if k in seen}
        if role not in OFFICES:
            seen |= {f"claim_{k}" for k in children if k in seen}
    everything = {**kids, **phones, **health, **claims}
    return {role: {m: t for m, t in everything.items() if m not in seen} for role, seen in sees.items()}


#: A new number for each role's request for a code (one number gets one code a minute).
_SMS_NUMBERS = itertools.count()


def _notice_for_parent_a(world):
    from notices.services import notify

    world.notice_a = notify(recipients=[world.parent_a], kind="test", title="matrix notice")[0]


ENDPOINTS: list[Endpoint] = [
    # --- public ----------------------------------------------------------------------------
    Endpoint("accounts:login", default=302, expect={"anonymous": 200}),
    Endpoint("accounts:phone_sign_in", default=302, expect={"anonymous": 200},
             note="手机验证码登录: public; the same answer whether or not a number has an account"),
    Endpoint("api:sms-code", method="POST", api=True, data=lambda w: {"phone": f"139{next(_SMS_NUMBERS):08d}"},
             default=202,
             note="asks for a sign-in code: 202 for any mobile number"),
    Endpoint("set_language", method="POST", data=lambda w: {"language": "en", "next": "/"}, default=302),
    Endpoint("javascript-catalog", default=200),
    Endpoint("healthz", default=200),
    Endpoint("api:token", method="POST", api=True, data=lambda w: {"username": "nobody", "password": "x"},
             default=400),
    # --- signed in, anyone ---------------------------------------------------------------------
    Endpoint("home", default=302, expect={"anonymous": 302},
             note="staff to their workbench (a duty leader off the rota day too), parents to their service"),
    Endpoint("accounts:profile", default=200, expect={"anonymous": 302}),
    Endpoint("accounts:workbench", default=200,
             expect={"anonymous": 302, **roles(302, ["parent_a", "other_parent", "parent_b"])},
             note="each staff member's own counts (scoped like the pages they link to); parents go home"),
    Endpoint("accounts:workbench_counts", default=200, expect={"anonymous": 302},
             note="the navigation badges of the signed-in user (empty for parents)"),
    Endpoint("accounts:logout", method="POST", default=302),
    Endpoint("accounts:revoke_tokens", method="POST", default=302, expect={"anonymous": 302}),
    Endpoint("accounts:contact", default=200, expect={"anonymous": 302}, note="one's own phone and e-mail"),
    Endpoint("accounts:wechat_bind", default=200, expect={"anonymous": 302},
             note="binding one's own WeChat (without a configured account: a page saying so)"),
    Endpoint("accounts:wechat_callback", default=400, expect={"anonymous": 302},
             note="WeChat's OAuth answer: without our state it is refused"),
    Endpoint("accounts:wechat_unbind", method="POST", default=302, expect={"anonymous": 302}),
    Endpoint("accounts:link_child", default=200, expect={"anonymous": 302},
             note="a signed-in guardian enters a link code (关联码); a code links only the account it was made for"),
    Endpoint("api:me", api=True, default=200, expect={"anonymous": 401}),
    Endpoint("api:token-revoke", method="POST", api=True, default=204, expect={"anonymous": 401}),
    Endpoint("schema", default=200, expect={"anonymous": 401}),
    Endpoint("api-docs", default=200, expect={"anonymous": 401}),
    Endpoint("notices:inbox", default=200, expect={"anonymous": 302}),
    Endpoint("notices:read_all", method="POST", default=302, expect={"anonymous": 302}),
    Endpoint("notices:open", method="POST", setup=_notice_for_parent_a, kwargs=lambda w: {"pk": w.notice_a.pk},
             expect={"anonymous": 302, "parent_a": 302}),
    Endpoint("notices:short", setup=_notice_for_parent_a, kwargs=lambda w: {"pk": w.notice_a.pk},
             expect={"anonymous": 302, "parent_a": 302},
             note="the short link an SMS or WeChat message carries: the recipient only"),
    Endpoint("notices:preferences", default=200, expect={"anonymous": 302},
             note="one's own notification preferences"),
    Endpoint("notices:outbox", expect={"anonymous": 302},
             note="messages no provider sent (development, demo): the system administrator only"),
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
                                                     "district", "bureau", *OFFICES])}),
    Endpoint("api:school-list", api=True, default=200, expect={"anonymous": 401}),
    Endpoint("api:school-detail", api=True, kwargs=lambda w: {"pk": w.school_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "other_parent", "homeroom", "principal",
                                                     "district", "bureau", *OFFICES])}),
    Endpoint("api:student-list", api=True, default=200, expect={"anonymous": 401},
             variants=[lambda w: {"school": w.school_b.pk}, lambda w: {"homeroom_class": w.class_b.pk}]),
    Endpoint("api:student-detail", api=True, kwargs=lambda w: {"pk": w.child_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "homeroom", "principal", *OFFICES])},
             note="the offices see the child; its health note only the duty leader on the rota day (LEAKS)"),
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
    # the report administrator's page (build a week, publish a draft): whoever may build, i.e. the bureau
    Endpoint("reports:manage", setup=_published_reports, expect=ONLY_BUREAU,
             variants=[lambda w: {"week": "<script>"}]),
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
    # /bench/floor/: only in bench.urls, mounted only under bench.settings (python -m bench); a signed-in
    # page that reads one row of Term and shows the caller's own username, nothing else.
    "bench_floor": "benchmark floor view, only under bench.settings",
}
EXCLUDED_PREFIXES = ("admin/",)  # Django admin: staff-only, guarded by is_staff and tested separately


# --- enrollment ------------------------------------------------------------------------------
from . import objects as o  # noqa: E402

ANON_WEB = {"anonymous": 302}
ANON_API = {"anonymous": 401}
NOT_SIGNED_IN_WEB = 302
PRINCIPAL_ONLY_WEB = {"anonymous": 302, "principal": 200}
#: the staff of school_a and the district/bureau see school_a's groups; parents and school_b do not
SEES_GROUP_A = ["homeroom", "principal", "district", "bureau", *OFFICES]
#: the moral-education office forms the groups and places children; the teaching-affairs office
#: assigns their teachers (and venues)
GROUP_OFFICES_WEB = {**PRINCIPAL_ONLY_WEB, "moral_a": 200, "academic_a": 200}

ENDPOINTS += [
    Endpoint("enrollment:parent_home", setup=o.enrollment_objects, default=200, expect=ANON_WEB),
    Endpoint("enrollment:letter", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.letter_a.pk}, default=200,
             expect=ANON_WEB, note="a published letter to parents is a public document for anyone signed in"),
    Endpoint("enrollment:letter_publish", setup=o.enrollment_objects, default=403,
             expect={**PRINCIPAL_ONLY_WEB, "moral_a": 200}, note="the principal or the moral-education office"),
    Endpoint("enrollment:apply", setup=o.enrollment_objects, kwargs=lambda w: {"student_id": w.child_a.pk},
             expect={"anonymous": 302, "parent_a": 302},
             note="parent_a is sent back home: child_a already has an application this term"),
    Endpoint("enrollment:application", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.app_a.pk},
             expect={"anonymous": 302, **roles(200, ["parent_a", "homeroom", "principal", *OFFICES])},
             may_show={},
             note="FOR THE LEAD: the duty leader (any day) sees the school's applications, as school-wide"
                  " staff (SCHOOL_WIDE_ROLES); the priority claims and health notes stay hidden from the offices"),
    Endpoint("enrollment:withdraw", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.app_a.pk},
             expect={"anonymous": 302, "parent_a": 200, "homeroom": 403, "principal": 403, **roles(403, OFFICES)},
             note="the confirm page (撤回报名 / 申请退出课后服务 with what follows): the child's guardians only"),
    Endpoint("enrollment:withdraw", method="POST", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.app_a.pk},
             data=lambda w: {"reason": "matrix"},
             expect={"anonymous": 302, "parent_a": 302, "homeroom": 403, "principal": 403, **roles(403, OFFICES)}),
    Endpoint("enrollment:pickup_persons", setup=o.enrollment_objects, kwargs=lambda w: {"student_id": w.child_a.pk},
             expect={"anonymous": 302, "parent_a": 200}),
    Endpoint("enrollment:pickup_person_end", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.pickup_a.pk}, expect={"anonymous": 302, "parent_a": 302, "homeroom": 403,
                                                             "principal": 403, **roles(403, OFFICES)}),
    Endpoint("enrollment:queue", setup=o.enrollment_objects, default=403, expect={"anonymous": 302, "homeroom": 200}),
    Endpoint("enrollment:review", method="POST", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.app_a.pk},
             data=lambda w: {"decision": "approve"},
             expect={"anonymous": 302, "parent_a": 403, "homeroom": 302, "principal": 302, **roles(403, OFFICES)}),
    Endpoint("enrollment:claim_decide", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.claim_a.pk}, data=lambda w: {"verified": "1"},
             expect={"anonymous": 302, "parent_a": 403, "homeroom": 302, "principal": 302}),
    Endpoint("enrollment:groups", setup=o.enrollment_objects, default=403, expect=GROUP_OFFICES_WEB,
             variants=[lambda w: {"school": w.school_b.pk}]),
    Endpoint("enrollment:group_create", setup=o.enrollment_objects, default=403, expect=GROUP_OFFICES_WEB),
    Endpoint("enrollment:group", setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.group_a.pk},
             expect={"anonymous": 302, **roles(403, SEES_GROUP_A), "principal": 200, "moral_a": 200,
                     "academic_a": 200}),
    Endpoint("enrollment:group_close", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.group_a_other.pk},
             expect={"anonymous": 302, **roles(403, SEES_GROUP_A), "principal": 302, "moral_a": 302}),
    Endpoint("enrollment:group_teacher", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.group_a.pk}, data=lambda w: {"teacher": w.homeroom.pk},
             expect={"anonymous": 302, **roles(403, SEES_GROUP_A), "principal": 302, "academic_a": 302}),
    Endpoint("enrollment:placement_move", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.placement_a2.pk},
             data=lambda w: {"to_group": w.group_a_other.pk, "reason": "matrix"},
             expect={"anonymous": 302, "other_parent": 403, "homeroom": 403, "principal": 302,
                     **roles(403, OFFICES), "moral_a": 302}),
    Endpoint("enrollment:allocate", method="POST", setup=o.enrollment_objects, default=403,
             expect={"anonymous": 302, "principal": 302, "moral_a": 302}),
    # API
    Endpoint("api:letter-list", api=True, setup=o.enrollment_objects, default=200, expect=ANON_API),
    Endpoint("api:letter-detail", api=True, setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.letter_a.pk},
             default=200, expect=ANON_API),
    Endpoint("api:letter-acknowledge", method="POST", api=True, setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.letter_a.pk}, default=403,
             expect={"anonymous": 401, "parent_a": 200, "other_parent": 200},
             note="only a guardian of a child of the letter's school acknowledges it (was 200 for anyone signed"
                  " in: fixed in enrollment.services.letter_acknowledge)"),
    Endpoint("api:application-list", api=True, setup=o.enrollment_objects, default=200, expect=ANON_API,
             variants=[lambda w: {"school": w.school_b.pk}, lambda w: {"status": "submitted"}]),
    Endpoint("api:application-list", method="POST", api=True, setup=o.enrollment_objects,
             data=lambda w: {"student": w.child_a.pk, "sessions": ["after_school"], "weekdays": [1, 2],
                             "letter": w.letter_a.pk, "letter_acknowledged": True},
             default=400, expect={"anonymous": 401, "parent_a": 409, "homeroom": 403, "principal": 403,
                                  **roles(403, OFFICES)},
             note="child_a already has an open application (409); a child out of scope is 'unknown' (400)"),
    Endpoint("api:application-detail", api=True, setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.app_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "homeroom", "principal", *OFFICES])}),
    Endpoint("api:application-withdraw", method="POST", api=True, setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.app_a.pk}, data=lambda w: {"reason": "matrix"},
             expect={"anonymous": 401, "parent_a": 200, "homeroom": 403, "principal": 403, **roles(403, OFFICES)}),
    Endpoint("api:application-review", method="POST", api=True, setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.app_a.pk}, data=lambda w: {"decision": "approve"},
             expect={"anonymous": 401, "parent_a": 403, "homeroom": 200, "principal": 409, **roles(403, OFFICES)},
             note="principal comes after homeroom in the role order: the application is then already reviewed"),
    Endpoint("api:application-decide-claim", method="POST", api=True, setup=o.enrollment_objects,
             kwargs=lambda w: {"pk": w.app_a.pk}, data=lambda w: {"claim": w.claim_a.pk, "verified": True},
             expect={"anonymous": 401, "parent_a": 403, "homeroom": 200, "principal": 200, **roles(403, OFFICES)}),
    Endpoint("api:service-group-list", api=True, setup=o.enrollment_objects, default=200, expect=ANON_API),
    Endpoint("api:service-group-detail", api=True, setup=o.enrollment_objects, kwargs=lambda w: {"pk": w.group_a.pk},
             expect={"anonymous": 401, **roles(200, SEES_GROUP_A)}),
]

# --- clubs -----------------------------------------------------------------------------------
#: staff pages of clubs answer 404 to people who are not staff (parents)
STAFF_ALL = ["homeroom", "teacher_b", "principal", "district", "bureau", *OFFICES]
SEES_SCHOOL_A_STAFFWISE = ["homeroom", "principal", "district", "bureau", *OFFICES]
EDITOR_A_WEB = {"anonymous": 302, **roles(403, SEES_SCHOOL_A_STAFFWISE)}
#: the teaching-affairs office prepares the clubs and the service plan with the principal (who alone
#: approves or returns them)
ACADEMIC_EDITS_WEB = {**EDITOR_A_WEB, "academic_a": 200}
ACADEMIC_POSTS_WEB = {**EDITOR_A_WEB, "academic_a": 302}

ENDPOINTS += [
    Endpoint("clubs:list", setup=o.clubs_objects, expect={"anonymous": 302, **roles(200, STAFF_ALL)},
             variants=[lambda w: {"category": "sports"}]),
    Endpoint("clubs:create", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(403, STAFF_ALL), "principal": 200, "academic_a": 200}),
    Endpoint("clubs:detail", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.club_a.pk},
             expect={"anonymous": 302, **roles(200, ["parent_a", "other_parent", *SEES_SCHOOL_A_STAFFWISE])}),
    Endpoint("clubs:edit", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.club_a_draft.pk},
             expect={**ACADEMIC_EDITS_WEB, "principal": 200}),
    Endpoint("clubs:submit", method="POST", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.club_a_draft.pk},
             expect={**ACADEMIC_POSTS_WEB, "principal": 302}),
    Endpoint("clubs:approve", method="POST", setup=o.clubs_submitted_club, kwargs=lambda w: {"pk": w.club_a_draft.pk},
             expect={**EDITOR_A_WEB, "principal": 302}),
    Endpoint("clubs:return", method="POST", setup=o.clubs_submitted_club, kwargs=lambda w: {"pk": w.club_a_draft.pk},
             data=lambda w: {"comment": "matrix"}, expect={**EDITOR_A_WEB, "principal": 302}),
    Endpoint("clubs:plan_list", setup=o.clubs_objects, expect={"anonymous": 302, **roles(200, STAFF_ALL)}),
    Endpoint("clubs:plan_create", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(403, STAFF_ALL), "principal": 200, "academic_a": 200}),
    Endpoint("clubs:plan_detail", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.plan_a.pk},
             expect={"anonymous": 302, **roles(200, SEES_SCHOOL_A_STAFFWISE)}),
    Endpoint("clubs:plan_edit", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.plan_a.pk},
             expect={**ACADEMIC_EDITS_WEB, "principal": 200}),
    Endpoint("clubs:plan_submit", method="POST", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.plan_a.pk},
             expect={**ACADEMIC_POSTS_WEB, "principal": 302}),
    Endpoint("clubs:plan_approve", method="POST", setup=o.clubs_submitted_plan, kwargs=lambda w: {"pk": w.plan_a.pk},
             expect={**EDITOR_A_WEB, "principal": 302}),
    Endpoint("clubs:plan_return", method="POST", setup=o.clubs_submitted_plan, kwargs=lambda w: {"pk": w.plan_a.pk},
             data=lambda w: {"comment": "matrix"}, expect={**EDITOR_A_WEB, "principal": 302}),
    Endpoint("clubs:plan_revise", method="POST", setup=o.clubs_approved_plan, kwargs=lambda w: {"pk": w.plan_a.pk},
             expect={**ACADEMIC_POSTS_WEB, "principal": 302}),
    Endpoint("clubs:timetable", setup=o.clubs_objects, expect={"anonymous": 302, **roles(200, STAFF_ALL)}),
    Endpoint("clubs:timetable_teacher", setup=o.clubs_objects, kwargs=lambda w: {"user_id": w.homeroom.pk},
             expect={"anonymous": 302, **roles(200, SEES_SCHOOL_A_STAFFWISE)}),
    Endpoint("clubs:timetable_venue", setup=o.clubs_objects, kwargs=lambda w: {"venue_id": w.club_venue_a.pk},
             expect={"anonymous": 302, **roles(200, SEES_SCHOOL_A_STAFFWISE)}),
    Endpoint("clubs:clashes", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(403, STAFF_ALL), **roles(200, ["principal", "moral_a", "academic_a"])}),
    Endpoint("clubs:menu", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(200, ["parent_a", "other_parent", "parent_b"])},
             note="the parents' menu: 404 for people without children"),
    Endpoint("clubs:choose", method="POST", setup=o.clubs_objects,
             data=lambda w: {"student": w.child_a.pk, "club": w.club_a.pk},
             expect={"anonymous": 302, "parent_a": 302},
             note="加入志愿: only for one's own child (anyone else's child is 404, also for staff who see it);"
                  " parent_a is told child_a already chose club_a (a redirect, nothing written)"),
    Endpoint("clubs:replace", setup=o.clubs_objects, default=404,
             expect={"anonymous": 302, **roles(302, ["parent_a", "other_parent", "parent_b"])},
             note="the confirm step of a full ranking: without a club on the child's menu the parent is sent"
                  " back to the menu; people without children get 404"),
    Endpoint("clubs:replace", method="POST", setup=o.clubs_objects,
             data=lambda w: {"student": w.child_a.pk, "club": w.club_a.pk, "replace": w.choice_a.pk},
             expect={"anonymous": 302, "parent_a": 302},
             note="only for one's own child; parent_a is told child_a already chose club_a"),
    Endpoint("clubs:move", method="POST", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.choice_a.pk},
             data=lambda w: {"direction": "up"}, expect={"anonymous": 302, "parent_a": 302},
             note="上移/下移: only one's own child's choice (404 otherwise); choice_a is already first"),
    Endpoint("clubs:withdraw", method="POST", setup=o.clubs_objects, kwargs=lambda w: {"pk": w.choice_a.pk},
             expect={"anonymous": 302, "parent_a": 302, "homeroom": 403, "principal": 302, **roles(403, OFFICES),
                     "academic_a": 302}),
    Endpoint("clubs:window", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(403, STAFF_ALL), "principal": 200, "academic_a": 200}),
    Endpoint("clubs:allocate", method="POST", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(403, STAFF_ALL), "principal": 302, "academic_a": 302}),
    Endpoint("clubs:hours", setup=o.clubs_objects,
             expect={"anonymous": 302, **roles(200, ["homeroom", "teacher_b", "principal"]), "district": 403,
                     "bureau": 403, **roles(403, OFFICES), "academic_a": 200},
             note="teachers see their own hours; the principal and the teaching-affairs office the school's",
             variants=[lambda w: {"format": "xlsx"}, lambda w: {"format": "csv"}]),
    Endpoint("clubs:catalogue", setup=o.clubs_objects, expect={"anonymous": 302, **roles(200, STAFF_ALL)}),
    # API
    Endpoint("api:club-list", api=True, setup=o.clubs_objects, default=200, expect=ANON_API,
             variants=[lambda w: {"school": w.school_b.pk}, lambda w: {"menu": "1"}]),
    Endpoint("api:club-detail", api=True, setup=o.clubs_objects, kwargs=lambda w: {"pk": w.club_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "other_parent", *SEES_SCHOOL_A_STAFFWISE])}),
    Endpoint("api:club-choices", method="POST", api=True, setup=o.clubs_objects, kwargs=lambda w: {"pk": w.club_a.pk},
             data=lambda w: {"student": w.child_a.pk, "rank": 2},
             expect={"anonymous": 401, "parent_a": 409, "other_parent": 400, "homeroom": 403, "principal": 403,
                     "district": 400, "bureau": 400, **roles(403, OFFICES)},
             note="a child the caller cannot see is 'no such child' (400), like a missing one"),
    Endpoint("api:club-choice-list", api=True, setup=o.clubs_objects, default=200, expect=ANON_API),
    Endpoint("api:club-choice-detail", api=True, setup=o.clubs_objects, kwargs=lambda w: {"pk": w.choice_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "homeroom", "principal", *OFFICES])}),
    Endpoint("api:club-choice-withdraw", method="POST", api=True, setup=o.clubs_objects,
             kwargs=lambda w: {"pk": w.choice_a.pk},
             expect={"anonymous": 401, "parent_a": 200, "homeroom": 403, "principal": 409, **roles(403, OFFICES),
                     "academic_a": 409},
             note="the principal and the teaching-affairs office come after parent_a: the choice is already"
                  " withdrawn (409)"),
]

# --- safety ----------------------------------------------------------------------------------
SCHOOL_STAFF = ["homeroom", "teacher_b", "principal", *OFFICES]
OVERVIEW = ["district", "bureau"]
#: the school's safety leads: the principal, the offices and the duty leader (safety's
#: `_require_school_lead`, SCHOOL_WIDE_ROLES: the duty leader on any day, not only on the rota day)
LEADS_A = ["principal", *OFFICES]
#: staff of a school see all its incidents with the children involved (safety's design): teacher_b
#: sees child_b in school_b's incident
TEACHER_B_INCIDENT = {"teacher_b": {"child_b"}}
INCIDENT_A_SEEN = ["parent_a", "homeroom", "principal", "district", "bureau", *OFFICES]
#: refused on a visible escalated incident of school_a: its guardian, the district and the bureau
INCIDENT_A_REFUSED = {"anonymous": 302, **roles(403, ["parent_a", "district", "bureau"])}


def _now_iso(w):
    from django.utils import timezone

    return timezone.localtime().replace(microsecond=0).isoformat()


ENDPOINTS += [
    Endpoint("safety:incidents", setup=o.safety_objects, default=200, expect=ANON_WEB, may_show=TEACHER_B_INCIDENT,
             variants=[lambda w: {"status": "open"}, lambda w: {"type": "missing_child"}]),
    Endpoint("safety:incident_new", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, SCHOOL_STAFF)}),
    Endpoint("safety:incident_export", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, OVERVIEW)},
             variants=[lambda w: {"format": "csv"}, lambda w: {"format": "xlsx"}]),
    Endpoint("safety:incident_detail", setup=o.safety_objects, kwargs=lambda w: {"pk": w.incident_a.pk},
             expect={"anonymous": 302, **roles(200, INCIDENT_A_SEEN)}),
    Endpoint("safety:incident_detail", setup=o.safety_objects, kwargs=lambda w: {"pk": w.incident_a_general.pk},
             expect={"anonymous": 302, **roles(200, ["other_parent", "homeroom", "principal", *OFFICES])},
             note="not escalated: the district and the bureau do not see it (404)"),
    Endpoint("api:incident-detail", api=True, setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a_general.pk},
             expect={"anonymous": 401, **roles(200, ["other_parent", "homeroom", "principal", *OFFICES])}),
    Endpoint("safety:incident_edit", setup=o.safety_objects, kwargs=lambda w: {"pk": w.incident_a.pk},
             expect={**INCIDENT_A_REFUSED, **roles(200, ["homeroom", "principal", *OFFICES])}),
    Endpoint("safety:incident_follow_up", method="POST", setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"text": "matrix follow-up"},
             expect={**INCIDENT_A_REFUSED, **roles(302, ["homeroom", "principal", *OFFICES])}),
    Endpoint("safety:incident_guardian_contact", method="POST", setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk},
             data=lambda w: {"guardian_name": "张家长", "contacted_at": _now_iso(w)[:16], "method": "phone"},
             expect={**INCIDENT_A_REFUSED, **roles(302, ["homeroom", "principal", *OFFICES])}),
    Endpoint("safety:incident_notify_guardians", method="POST", setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"message": "孩子已无大碍"},
             expect={**INCIDENT_A_REFUSED, **roles(302, ["homeroom", "principal", *OFFICES])}),
    Endpoint("safety:incident_transition", method="POST", setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"to": "reviewing", "summary": ""},
             expect={**INCIDENT_A_REFUSED, "homeroom": 403, **roles(302, LEADS_A)},
             note="the offices come after the principal: their request finds the incident already under review"
                  " (a message on the page); tests/security/test_office_roles.py checks they may review one"),
    Endpoint("safety:student_search", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, SCHOOL_STAFF)},
             variants=[lambda w: {"q": w.child_b.name}, lambda w: {"q": "小"}],
             may_show={"teacher_b": {"child_b"}},
             note="FOR THE LEAD: any teacher can list every child of their own school by name here (to name the"
                  " children of an incident), wider than Student.visible_to (children placed with them);"
                  " it never reaches another school (?school= of another school is 404)"),
    Endpoint("safety:escalations", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, OVERVIEW)}),
    Endpoint("safety:school", setup=o.safety_objects, default=403, expect={"anonymous": 302, **roles(200, LEADS_A)}),
    Endpoint("safety:plans", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, [*SCHOOL_STAFF, *OVERVIEW])}),
    Endpoint("safety:plan_new", setup=o.safety_objects, default=403, expect={"anonymous": 302, **roles(200, LEADS_A)}),
    Endpoint("safety:plan_edit", setup=o.safety_objects, kwargs=lambda w: {"pk": w.emergency_plan_a.pk},
             expect={"anonymous": 302, **roles(403, ["homeroom", *OVERVIEW]), **roles(200, LEADS_A)}),
    Endpoint("safety:drill_new", setup=o.safety_objects, default=403, expect={"anonymous": 302, **roles(200, LEADS_A)}),
    Endpoint("safety:inspections", setup=o.safety_objects, default=403,
             expect={"anonymous": 302, **roles(200, [*SCHOOL_STAFF, *OVERVIEW])}),
    Endpoint("safety:inspection_new", setup=o.safety_objects, default=403, expect={"anonymous": 302, "bureau": 200}),
    Endpoint("safety:inspection_detail", setup=o.safety_objects, kwargs=lambda w: {"pk": w.inspection_a.pk},
             expect={"anonymous": 302, **roles(200, ["homeroom", *LEADS_A, *OVERVIEW])}),
    Endpoint("safety:item_respond", method="POST", setup=o.safety_objects, kwargs=lambda w: {"pk": w.item_a.pk},
             data=lambda w: {"response": "已清理"},
             expect={"anonymous": 302, **roles(403, ["homeroom", *OVERVIEW]), **roles(302, LEADS_A)}),
    Endpoint("safety:item_review", method="POST", setup=o.safety_item_responded, kwargs=lambda w: {"pk": w.item_a.pk},
             data=lambda w: {"decision": "accept", "note": ""},
             expect={"anonymous": 302, **roles(403, ["homeroom", "principal", "district", *OFFICES]),
                     "bureau": 302}),
    # API
    Endpoint("api:incident-list", api=True, setup=o.safety_objects, default=200, expect=ANON_API,
             may_show=TEACHER_B_INCIDENT),
    Endpoint("api:incident-list", method="POST", api=True, setup=o.safety_objects,
             data=lambda w: {"occurred_at": _now_iso(w), "type": "injury", "severity": 1,
                             "description": "matrix", "children": [w.child_a.pk]},
             default=403, expect={"anonymous": 401, **roles(201, ["homeroom", "principal", *OFFICES]),
                                  "teacher_b": 400},
             note="teacher_b logs at school_b and names a child of school_a: refused as bad input (400)"),
    Endpoint("api:incident-detail", api=True, setup=o.safety_objects, kwargs=lambda w: {"pk": w.incident_a.pk},
             expect={"anonymous": 401, **roles(200, INCIDENT_A_SEEN)}),
    Endpoint("api:incident-follow-ups", method="POST", api=True, setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"text": "matrix"},
             expect={"anonymous": 401, **roles(403, ["parent_a", *OVERVIEW]),
                     **roles(201, ["homeroom", "principal", *OFFICES])}),
    Endpoint("api:incident-transition", method="POST", api=True, setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"to": "reviewing"},
             expect={"anonymous": 401, **roles(403, ["parent_a", "homeroom", *OVERVIEW]), "principal": 200,
                     **roles(409, OFFICES)},
             note="the offices come after the principal: the incident is already under review (409)"),
]

# --- safety: 督办 (follow-up requests) --------------------------------------------------------
#: who sees a request on school_a's escalated incident: the bureau, school_a's district, school_a's
#: principal and offices (SCHOOL_WIDE_ROLES); the school's teachers and parents do not (404)
FOLLOW_UP_SEEN = ["principal", "district", "bureau", *OFFICES]
ENDPOINTS += [
    Endpoint("safety:follow_up_request_new", method="POST", setup=o.safety_objects,
             kwargs=lambda w: {"pk": w.incident_a.pk}, data=lambda w: {"text": "请报告情况", "due_in_minutes": "30"},
             expect={"anonymous": 302, **roles(403, ["parent_a", "homeroom", "principal", *OFFICES]),
                     **roles(302, ["district", "bureau"])},
             note="the bureau and the incident's district open; those who see the incident otherwise are refused"),
    Endpoint("safety:follow_up_requests", setup=o.follow_up_objects, default=403,
             expect={"anonymous": 302, **roles(200, FOLLOW_UP_SEEN)}),
    Endpoint("safety:follow_up_request_answer", method="POST", setup=o.follow_up_objects,
             kwargs=lambda w: {"pk": w.follow_up_a.pk}, data=lambda w: {"text": "已找到"},
             expect={"anonymous": 302, **roles(403, ["district", "bureau", *OFFICES]), "principal": 302}),
    Endpoint("safety:follow_up_request_close", method="POST", setup=o.follow_up_objects,
             kwargs=lambda w: {"pk": w.follow_up_a.pk}, data=lambda w: {"note": "办结"},
             expect={"anonymous": 302, **roles(403, ["principal", *OFFICES]), **roles(302, ["district", "bureau"])},
             note="the district closes first; the bureau's request then finds it closed (a message, 302)"),
    Endpoint("api:follow-up-request-list", api=True, setup=o.follow_up_objects, default=200,
             expect={"anonymous": 401}, note="everyone gets a list; only FOLLOW_UP_SEEN find the request in it"),
    Endpoint("api:follow-up-request-list", method="POST", api=True, setup=o.safety_objects,
             data=lambda w: {"incident": w.incident_a.pk, "text": "请报告情况", "due_in_minutes": 30},
             expect={"anonymous": 401, **roles(403, ["parent_a", "homeroom", "principal", *OFFICES]),
                     **roles(201, ["district", "bureau"])}),
    Endpoint("api:follow-up-request-detail", api=True, setup=o.follow_up_objects,
             kwargs=lambda w: {"pk": w.follow_up_a.pk}, expect={"anonymous": 401, **roles(200, FOLLOW_UP_SEEN)}),
    Endpoint("api:follow-up-request-answer", method="POST", api=True, setup=o.follow_up_objects,
             kwargs=lambda w: {"pk": w.follow_up_a.pk}, data=lambda w: {"text": "已找到"},
             expect={"anonymous": 401, **roles(403, ["district", "bureau", *OFFICES]), "principal": 201}),
    Endpoint("api:follow-up-request-close", method="POST", api=True, setup=o.follow_up_objects,
             kwargs=lambda w: {"pk": w.follow_up_a.pk}, data=lambda w: {"note": "办结"},
             expect={"anonymous": 401, **roles(403, ["principal", *OFFICES]), "district": 200, "bureau": 409},
             note="the district closes first; the bureau then finds it closed (409)"),
]

# --- voice -----------------------------------------------------------------------------------
AUTHORS = ["principal", "bureau", "moral_a"]  # the school's principal and moral-education office, the bureau
ANN_A_SEEN = ["parent_a", "other_parent", "homeroom", "principal", "district", "bureau", "moral_a"]
Q_RESULTS = ["principal", "district", "bureau", "moral_a"]

ENDPOINTS += [
    Endpoint("voice:announcements", setup=o.voice_objects, default=200, expect=ANON_WEB),
    Endpoint("voice:announcement_new", setup=o.voice_objects, default=403,
             expect={"anonymous": 302, **roles(200, AUTHORS)}),
    Endpoint("voice:announcement", setup=o.voice_objects, kwargs=lambda w: {"pk": w.announcement_a.pk},
             expect={"anonymous": 302, **roles(200, ANN_A_SEEN)}),
    Endpoint("voice:announcement_withdraw", method="POST", setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.announcement_a.pk},
             expect={"anonymous": 302, **roles(403, ANN_A_SEEN), "principal": 302, "moral_a": 302},
             note="the school's authors (principal, moral-education office) manage its announcements"),
    Endpoint("voice:questionnaires", setup=o.voice_objects, default=200, expect=ANON_WEB),
    Endpoint("voice:questionnaire_new", setup=o.voice_objects, default=403,
             expect={"anonymous": 302, **roles(200, AUTHORS)}),
    Endpoint("voice:term_survey_launch", method="POST", setup=o.voice_objects, default=403,
             expect={"anonymous": 302, "bureau": 302}),
    Endpoint("voice:questionnaire", setup=o.voice_objects, kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(302, ["parent_a", "other_parent"]), **roles(200, Q_RESULTS)},
             note="parents are sent on to the answer page"),
    Endpoint("voice:question_add", method="POST", setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_draft.pk}, data=lambda w: {"kind": "rating", "text": "新问题"},
             expect={"anonymous": 302, "bureau": 403, "principal": 302, "moral_a": 302},
             note="a draft has reached no district yet: the district gets 404"),
    Endpoint("voice:questionnaire_open", method="POST", setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_draft.pk},
             expect={"anonymous": 302, "bureau": 403, "principal": 302, "moral_a": 302}),
    Endpoint("voice:questionnaire_close", method="POST", setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(403, ["parent_a", "other_parent", "district", "bureau"]),
                     "principal": 302, "moral_a": 302},
             note="parents who were asked got 404 here (visible, not the owner: 403 by voice's design): fixed"),
    Endpoint("voice:answer", setup=o.voice_objects, kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(200, ["parent_a", "other_parent"]), **roles(403, Q_RESULTS)}),
    Endpoint("voice:results", setup=o.voice_objects, kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(200, Q_RESULTS)},
             variants=[lambda w: {"school": w.school_b.pk}, lambda w: {"district": w.district_a.pk}]),
    Endpoint("voice:results_export", setup=o.voice_objects, kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(200, Q_RESULTS)}),
    Endpoint("voice:text_answers", setup=o.voice_objects, kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 302, **roles(403, ["district", "bureau"]), "principal": 200, "moral_a": 200},
             note="written answers are for the owner only (the school's authors)"),
    # API
    Endpoint("api:announcement-list", api=True, setup=o.voice_objects, default=200, expect=ANON_API),
    Endpoint("api:announcement-detail", api=True, setup=o.voice_objects, kwargs=lambda w: {"pk": w.announcement_a.pk},
             expect={"anonymous": 401, **roles(200, ANN_A_SEEN)}),
    Endpoint("api:questionnaire-list", api=True, setup=o.voice_objects, default=200, expect=ANON_API),
    Endpoint("api:questionnaire-detail", api=True, setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "other_parent", *Q_RESULTS])}),
    Endpoint("api:questionnaire-answers", method="POST", api=True, setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_a.pk},
             data=lambda w: {"student": w.child_a2.pk, "answers": {str(w.question_rating.pk): 5}},
             expect={"anonymous": 401, "parent_a": 400, "other_parent": 201, **roles(403, Q_RESULTS)},
             note="parent_a names child_a2, not theirs: refused as bad input (400), nothing recorded"),
    Endpoint("api:questionnaire-results", api=True, setup=o.voice_objects,
             kwargs=lambda w: {"pk": w.questionnaire_a.pk}, expect={"anonymous": 401, **roles(200, Q_RESULTS)}),
]

# --- school administration (schools/, accounts/) -------------------------------------------------
#: school_a's administration pages: its principal; those who see school_a (its parents and staff,
#: its district, the bureau) are refused (403); school_b's parent and teacher get 404.
ADMIN_A = {"anonymous": 302, **roles(403, ["parent_a", "other_parent", "homeroom", "district", "bureau", *OFFICES]),
           "principal": 200}
ADMIN_A_POST = {**ADMIN_A, "principal": 302}

ENDPOINTS += [
    Endpoint("accounts:join", default=200, note="the invitation-code form: public (wrong codes are throttled)"),
    Endpoint("readyz", default=200),
    Endpoint("schools:admin_entry", default=403, expect={"anonymous": 302, "principal": 302}),
    Endpoint("schools:admin_home", kwargs=lambda w: {"pk": w.school_a.pk}, expect=ADMIN_A),
    Endpoint("schools:import_upload", kwargs=lambda w: {"pk": w.school_a.pk, "kind": "roster"}, expect=ADMIN_A),
    Endpoint("schools:import_template", kwargs=lambda w: {"pk": w.school_a.pk, "kind": "roster", "fmt": "xlsx"},
             expect=ADMIN_A),
    Endpoint("schools:import_preview", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "batch": w.batch_a.pk}, expect=ADMIN_A),
    Endpoint("schools:import_confirm", method="POST", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "batch": w.batch_a.pk}, expect=ADMIN_A_POST),
    Endpoint("schools:staff", setup=o.school_admin_objects, kwargs=lambda w: {"pk": w.school_a.pk}, expect=ADMIN_A),
    Endpoint("schools:staff_detail", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "user_pk": w.staff_x.pk}, expect=ADMIN_A),
    Endpoint("schools:staff_role_end", method="POST", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "user_pk": w.staff_x.pk, "assignment": w.staff_x_role.pk},
             expect=ADMIN_A_POST),
    Endpoint("schools:staff_deactivate", method="POST", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "user_pk": w.staff_y.pk}, expect=ADMIN_A_POST),
    Endpoint("schools:staff_invite", method="POST", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "user_pk": w.staff_z.pk}, expect=ADMIN_A_POST),
    Endpoint("schools:class_letters", kwargs=lambda w: {"pk": w.school_a.pk, "class_pk": w.class_a.pk},
             expect=ADMIN_A, may_show={"principal": {"phone_parent_a", "phone_other_parent"}},
             note="the principal prints the class's join letters: guardians' names and phones"),
    Endpoint("schools:venues", kwargs=lambda w: {"pk": w.school_a.pk}, expect=ADMIN_A),
    Endpoint("schools:venue_edit", setup=o.school_admin_objects,
             kwargs=lambda w: {"pk": w.school_a.pk, "venue": w.admin_venue_a.pk}, expect=ADMIN_A),
    Endpoint("schools:terms", default=200, expect={"anonymous": 302, **roles(403, ["parent_a", "other_parent",
                                                                                   "parent_b"])}),
    Endpoint("schools:term_new", default=403, expect={"anonymous": 302, "bureau": 200}),
    Endpoint("schools:term_edit", kwargs=lambda w: {"term": w.term.pk}, default=403,
             expect={"anonymous": 302, "bureau": 200}),
]


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


def _child_a_absent(world):
    """child_a marked absent without leave on today's roll (an absence to follow up)."""
    from django.utils import timezone

    from attendance.models import Mark

    _roll_held_by_homeroom(world)
    Mark.objects.create(roll=world.roll_a, student=world.child_a, status="absent", client_id="matrix-absent",
                        marked_at=timezone.now(), marked_by=world.homeroom)


def _leave_for_child_a(world):
    from django.utils import timezone

    from attendance.models import Leave

    world.leave_a = Leave.objects.create(student=world.child_a, date=timezone.localdate(), reported_by=world.parent_a)


def _today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


PARENTS = ["parent_a", "other_parent", "parent_b"]
#: the day's rostered duty leader and the principal run the day; the offices and a duty leader on
#: another day see the school but are refused (403)
DAY_RUNNER = {"anonymous": 302, "principal": 200, "homeroom": 403, **roles(403, OFFICES), "duty_a": 200}
DAY_RUNNER_POST = {"anonymous": 302, "principal": 302, "homeroom": 403, **roles(403, OFFICES), "duty_a": 302}
ROLL_SEERS = {"anonymous": 401, "homeroom": 200, "principal": 200, **roles(200, OFFICES)}
HANDOVER = {"anonymous": 302, "homeroom": 200, "principal": 200, "duty_a": 200}

ENDPOINTS += [
    Endpoint("attendance:today", default=200, expect={"anonymous": 302, **roles(403, PARENTS)},
             variants=[lambda w: {"date": "2026-13-01"}]),
    Endpoint("attendance:generate", method="POST", data=lambda w: {"school": w.school_a.pk, "date": _today()},
             expect={"anonymous": 302, "principal": 302, "homeroom": 403, **roles(403, OFFICES), "academic_a": 302},
             note="the teaching-affairs office or the principal creates the day's rolls"),
    Endpoint("attendance:roll", setup=_roll_held_by_homeroom, kwargs=lambda w: {"pk": w.roll_a.pk},
             expect={"anonymous": 302, "homeroom": 200, "principal": 200, **roles(200, OFFICES)},
             note="health notes on the roll: the teacher holding it, the principal, the duty leader on the rota day"),
    Endpoint("attendance:sw", default=200),
    Endpoint("attendance:my_console", default=200, expect={"anonymous": 302, "principal": 302,
                                                           **roles(403, PARENTS), "duty_a": 302},
             note="the rostered duty leader is sent to the console; on another day a page says so (200)"),
    Endpoint("attendance:console", setup=_roll_held_by_homeroom, kwargs=lambda w: {"school_id": w.school_a.pk},
             expect=DAY_RUNNER, variants=[lambda w: {"date": "2026-02-30"}]),
    Endpoint("attendance:pickup", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"student": w.child_a.pk, "person": f"guardian:{w.parent_a.pk}", "kind": "pickup"},
             expect=DAY_RUNNER_POST),
    Endpoint("attendance:close_day", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             expect=DAY_RUNNER_POST),
    Endpoint("attendance:close_day", kwargs=lambda w: {"school_id": w.school_a.pk},
             expect={**DAY_RUNNER, "principal": 200, "duty_a": 200},
             note="the close confirm with the day's figures (nothing blocks the close in the matrix world)"),
    Endpoint("attendance:refuse", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"student": w.child_a.pk, "person": "陌生人"}, expect=DAY_RUNNER_POST),
    Endpoint("attendance:follow_up", method="POST", setup=_child_a_absent, kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"student": w.child_a.pk, "contacted": w.parent_a.pk, "outcome": "reached_safe"},
             expect=DAY_RUNNER_POST),
    Endpoint("attendance:patrol", kwargs=lambda w: {"school_id": w.school_a.pk}, expect=DAY_RUNNER),
    Endpoint("attendance:rota", kwargs=lambda w: {"school_id": w.school_a.pk},
             expect={**DAY_RUNNER, "duty_off_a": 200}, note="duty leaders read the rota on any day"),
    Endpoint("attendance:overview", setup=_roll_held_by_homeroom, kwargs=lambda w: {"school_id": w.school_a.pk},
             expect={**DAY_RUNNER, "duty_a": 403}, note="the principal's daily overview"),
    Endpoint("attendance:leave", default=403, expect={"anonymous": 302, **roles(200, PARENTS)}),
    Endpoint("attendance:leave_cancel", method="POST", setup=_leave_for_child_a,
             kwargs=lambda w: {"pk": w.leave_a.pk},
             expect={"anonymous": 302, "parent_a": 302, "homeroom": 403, "principal": 403, **roles(403, OFFICES)}),
    # the pickup code (接送码): the child's guardians only (everyone else 404, staff included); the
    # console's code entry is the day runner's (a wrong code in the matrix world: 400 on the page)
    Endpoint("attendance:pickup_code", kwargs=lambda w: {"student_id": w.child_a.pk},
             expect={"anonymous": 302, "parent_a": 200}),
    Endpoint("attendance:pickup_code", method="POST", setup=o.enrollment_objects,
             kwargs=lambda w: {"student_id": w.child_a.pk}, data=lambda w: {"person": w.pickup_a.pk},
             expect={"anonymous": 302, "parent_a": 302}, note="send (issue) a code to the child's authorised person"),
    Endpoint("api:student-pickup-code", api=True, kwargs=lambda w: {"pk": w.child_a.pk},
             expect={"anonymous": 401, "parent_a": 200}),
    Endpoint("attendance:pickup_code_entry", kwargs=lambda w: {"school_id": w.school_a.pk}, expect=DAY_RUNNER),
    Endpoint("attendance:pickup_code_entry", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"code": "000000"},
             expect={**DAY_RUNNER_POST, "principal": 400, "duty_a": 400},
             note="no child has the code 000000 today: the page answers 400 naming what is wrong"),
    Endpoint("attendance:child_today", setup=_roll_held_by_homeroom, kwargs=lambda w: {"student_id": w.child_a.pk},
             expect={"anonymous": 302, "parent_a": 200},
             note="the today card's live part (htmx) is the guardians'; staff read a child's day through the API"),
    Endpoint("attendance:child_leave", method="POST", kwargs=lambda w: {"student_id": w.child_a.pk},
             data=lambda w: {"choice": "tomorrow:sick"}, expect={"anonymous": 302, "parent_a": 302},
             note="leave in two taps from the today card: the child's guardians only"),
    Endpoint("api:student-today", api=True, setup=_roll_held_by_homeroom, kwargs=lambda w: {"pk": w.child_a.pk},
             expect={"anonymous": 401, **roles(200, ["parent_a", "homeroom", "principal", *OFFICES])},
             note="a child's day: the guardians and the school's staff who see the child (as api:student-detail)"),
    # handovers on the tablet: the teacher holding the children (here the homeroom teacher of class_a,
    # who also holds the group's roll), the principal and the day's rostered duty leader; 404 for anyone else
    Endpoint("attendance:handover", setup=_roll_held_by_homeroom, kwargs=lambda w: {"source": "class", "pk": w.class_a.pk},
             expect=HANDOVER, note="the class's service children listed, ticked; the receiving teacher chosen"),
    Endpoint("attendance:handover", method="POST", setup=_roll_held_by_homeroom,
             kwargs=lambda w: {"source": "roll", "pk": w.roll_a.pk},
             data=lambda w: {"to": "colleague", "to_teacher": w.teacher_b.pk, "student": [w.child_a.pk]},
             expect={**HANDOVER, "homeroom": 400, "principal": 400, "duty_a": 400},
             note="to a teacher of another school: 400 with a message, nothing recorded"),
    Endpoint("attendance:departure_slots", kwargs=lambda w: {"school_id": w.school_a.pk}, expect=ADMIN_A,
             note="the school's departure slots (弹性离校时段) per term: its principal sets them"),
    Endpoint("attendance:departure_slots", method="POST", kwargs=lambda w: {"school_id": w.school_a.pk},
             data=lambda w: {"term": w.term.pk, "slot": ["17:00", "17:30"]}, expect=ADMIN_A_POST),
    Endpoint("api:roll-list", api=True, setup=_roll_held_by_homeroom, default=200, expect={"anonymous": 401},
             variants=[lambda w: {"school": w.school_a.pk, "date": _today()}]),
    Endpoint("api:roll-detail", api=True, setup=_roll_held_by_homeroom, kwargs=lambda w: {"pk": w.roll_a.pk},
             expect=ROLL_SEERS),
    Endpoint("api:roll-marks", method="POST", api=True, setup=_roll_held_by_homeroom,
             kwargs=lambda w: {"pk": w.roll_a.pk},
             data=lambda w: [{"student": w.child_a.pk, "status": "present", "client_id": "matrix-1"}],
             expect={"anonymous": 401, "homeroom": 200, "principal": 403, **roles(403, OFFICES)}),
    Endpoint("api:roll-submit", method="POST", api=True, setup=_roll_held_by_homeroom,
             kwargs=lambda w: {"pk": w.roll_a.pk},
             expect={"anonymous": 401, "homeroom": 400, "principal": 403, **roles(403, OFFICES)},
             note="homeroom holds the roll; 400 because no child is marked yet"),
    Endpoint("api:custody-event-list", method="POST", api=True,
             data=lambda w: {"student": w.child_a.pk, "kind": "handover", "to_teacher": w.homeroom.pk},
             expect={"anonymous": 401, "homeroom": 201, "principal": 201, "parent_a": 403, **roles(201, OFFICES)},
             note="FOR THE LEAD: any staff member of the school records a handover (attendance._staff_of),"
                  " the offices and a duty leader off the rota day included (a handover, not a pickup: a child"
                  " is released once a day, so each role's pickup after the first would be a 409)"),
    Endpoint("api:pickup-refusal-list", method="POST", api=True,
             data=lambda w: {"student": w.child_a.pk, "person": "陌生人"},
             expect={"anonymous": 401, "homeroom": 201, "principal": 201, "parent_a": 403, **roles(201, OFFICES)},
             note="any staff member of the school records a refusal, as a handover"),
    Endpoint("api:absence-follow-up-list", method="POST", api=True, setup=_child_a_absent,
             data=lambda w: {"student": w.child_a.pk, "date": _today(), "contacted": w.parent_a.pk,
                             "outcome": "reached_safe"},
             expect={"anonymous": 401, "homeroom": 201, "principal": 201, "parent_a": 403, **roles(201, OFFICES)},
             note="any staff member of the school follows up an absence (calls the guardian)"),
    Endpoint("api:day-close", method="POST", api=True,
             kwargs=lambda w: {"school": w.school_a.pk, "date": _today()},
             expect={"anonymous": 401, "principal": 200, "homeroom": 403, **roles(403, OFFICES), "duty_a": 200}),
]


# --- the calendar (校历) --------------------------------------------------------------------------
def _calendar_post(scope):
    """A day without service on a fresh date at each call (each role's POST is a new day)."""
    def data(world):
        import datetime

        world.calendar_n = getattr(world, "calendar_n", 0) + 1
        body = {"date": (datetime.date(2026, 9, 1) + datetime.timedelta(days=world.calendar_n)).isoformat(),
                "kind": "no_service", "scope": scope, "note": "matrix"}
        if scope == "school":
            body["school"] = world.school_a.pk
        return body
    return data


ENDPOINTS += [
    Endpoint("api:calendar-day-list", api=True, default=200, expect={"anonymous": 401},
             variants=[lambda w: {"from": "2026-09-01", "to": "2027-01-31"}],
             note="with ?school= a school the caller does not see is a 404 (tests/schools/test_calendar_api.py)"),
    Endpoint("api:calendar-day-list", method="POST", api=True, data=_calendar_post("city"), default=403,
             expect={"anonymous": 401, "bureau": 201}, note="the bureau sets the city's days"),
]


def _calendar_form(world):
    """A day without service on a fresh date at each call (each role's POST is a new day)."""
    import datetime

    world.calendar_n = getattr(world, "calendar_n", 0) + 1
    return {"date": (datetime.date(2026, 9, 1) + datetime.timedelta(days=world.calendar_n)).isoformat(),
            "kind": "no_service", "note": "matrix"}


CALENDAR_EDITORS = {"anonymous": 302, "bureau": 302, "principal": 302, "academic_a": 302}
ENDPOINTS += [
    Endpoint("schools:calendar", default=200, expect={"anonymous": 302, **roles(403, PARENTS)},
             note="staff read the calendar; ?school= a school the caller does not see is a 404"),
    Endpoint("schools:calendar", method="POST", data=_calendar_form, default=403, expect=CALENDAR_EDITORS,
             note="the bureau adds city days; a school's principal or teaching-affairs office the school's"),
]
def _calendar_batch(world):
    """A calendar upload of the bureau's (only its uploader sees it)."""
    from schools.models import ImportBatch

    world.calendar_batch = ImportBatch.objects.create(
        school=None, kind="calendar", created_by=world.bureau, file_name="校历.csv", file_hash="0" * 64,
        rows=[{"row": 2, "date": "2026-12-09", "kind": "no_service", "follows_weekday": None, "ends_at": None,
               "note": "matrix"}], errors=[], summary={"rows": 1, "days": 1})


ENDPOINTS += [
    Endpoint("schools:calendar_import", default=403, expect={"anonymous": 302, "bureau": 200},
             note="?school= a school's principal or teaching-affairs office (tests/schools/test_calendar_import.py)"),
    Endpoint("schools:calendar_import", method="POST", default=403, expect={"anonymous": 302, "bureau": 400},
             note="no file: the form's 400"),
    Endpoint("schools:calendar_import_template", default=200, expect={"anonymous": 302, **roles(403, PARENTS)},
             variants=[lambda w: {"format": "csv"}]),
    Endpoint("schools:calendar_import_preview", setup=_calendar_batch, kwargs=lambda w: {"batch": w.calendar_batch.pk},
             expect={"anonymous": 302, "bureau": 200}, note="only the uploader sees an upload"),
    Endpoint("schools:calendar_import_preview", method="POST", setup=_calendar_batch,
             kwargs=lambda w: {"batch": w.calendar_batch.pk}, data=lambda w: {"action": "discard"},
             expect={"anonymous": 302, "bureau": 302}),
]
ENDPOINTS += [
    Endpoint("api:teacher-hours", api=True, default=400, expect={"anonymous": 401},
             note="without ?school=&month= a 400; the roles with them (a teacher only their own row, another "
                  "school's user 404) in tests/attendance/test_hours.py"),
]

# --- teachers' hours statements (issue 22: monthly statements, rates, the city's sums, my hours) ----
def _statement_a(world, status="draft"):
    """school_a's November 2026 statement with a line for the homeroom teacher and one for another
    teacher (whom the homeroom teacher must not see), and the term's rates."""
    import datetime

    from django.utils import timezone

    from attendance.models import ServiceRate, Statement, StatementLine
    from tests.factories import UserFactory

    ServiceRate.objects.get_or_create(term=world.term, defaults={"noon": 30, "group": 40, "club": 50})
    other = UserFactory(username="statement_other", name="马嘉")
    world.statement_a = Statement.objects.create(school=world.school_a, month=datetime.date(2026, 11, 1),
                                                 term=world.term, built_at=timezone.now(), status=status)
    world.statement_line_a = StatementLine.objects.create(statement=world.statement_a, teacher=world.homeroom,
                                                          teacher_name=world.homeroom.name, group_sessions=2,
                                                          held_group_minutes=240, group_minutes=240)
    StatementLine.objects.create(statement=world.statement_a, teacher=other, teacher_name=other.name,
                                 club_sessions=1, held_club_minutes=60, club_minutes=60)


def _statement_checked(world):
    _statement_a(world, status="checked")


SCHOOL_STAFF_A = ["homeroom", "principal", *OFFICES]
STATEMENT_SEERS = {"anonymous": 302, **roles(200, ["homeroom", "principal", "academic_a", "district", "bureau"])}
STATEMENT_ACTORS_SEE = roles(403, ["homeroom", "principal", "academic_a", "district", "bureau"])
ENDPOINTS += [
    Endpoint("attendance:my_hours", default=403,
             expect={"anonymous": 302, **roles(200, [*SCHOOL_STAFF_A, "teacher_b"])},
             note="a school's staff see their own hours; district, bureau and parents have none"),
    Endpoint("attendance:statements", default=200, expect={"anonymous": 302, **roles(403, PARENTS)},
             setup=_statement_a, variants=[lambda w: {"month": "2026-11"}],
             note="the list shows the statements each role sees (a teacher those with their own line); ?school= "
                  "a school the caller does not see is a 404 (tests/attendance/test_statements.py)"),
    Endpoint("attendance:statement_build", method="POST", data=lambda w: {"school": w.school_a.pk, "month": "2026-11"},
             default=403, expect={"anonymous": 302, "academic_a": 302, "principal": 302, "teacher_b": 404,
                                  "parent_b": 404}),
    Endpoint("attendance:statement_summary", default=403,
             expect={"anonymous": 302, "district": 200, "bureau": 200}, setup=_statement_a,
             variants=[lambda w: {"month": "2026-11", "format": "xlsx"}]),
    Endpoint("attendance:service_rates", default=200, expect={"anonymous": 302, **roles(403, PARENTS)}),
    Endpoint("attendance:service_rates", method="POST", default=403, expect={"anonymous": 302, "bureau": 302},
             data=lambda w: {"term": w.term.pk, "noon": "30", "group": "40", "club": "50"}),
    Endpoint("attendance:statement", setup=_statement_a, kwargs=lambda w: {"pk": w.statement_a.pk},
             expect=STATEMENT_SEERS, note="the homeroom teacher sees only their own line (tests/attendance/test_statements.py)"),
    Endpoint("attendance:statement_xlsx", setup=_statement_a, kwargs=lambda w: {"pk": w.statement_a.pk},
             expect=STATEMENT_SEERS),
    Endpoint("attendance:statement_check", method="POST", setup=_statement_a,
             kwargs=lambda w: {"pk": w.statement_a.pk},
             expect={"anonymous": 302, **STATEMENT_ACTORS_SEE, "academic_a": 302}),
    Endpoint("attendance:statement_sign", method="POST", setup=_statement_checked,
             kwargs=lambda w: {"pk": w.statement_a.pk},
             expect={"anonymous": 302, **STATEMENT_ACTORS_SEE, "principal": 302}),
    Endpoint("attendance:statement_line_correct", method="POST", setup=_statement_a,
             kwargs=lambda w: {"pk": w.statement_line_a.pk},
             data=lambda w: {"noon_minutes": "0", "group_minutes": "180", "club_minutes": "0", "reason": "matrix"},
             expect={"anonymous": 302, **STATEMENT_ACTORS_SEE, "academic_a": 302}),
]
