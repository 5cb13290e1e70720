"""Reads of the safety app; every one starts from `visible_to(user)`."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES
from accounts.scoping import get_for_user, scope_of
from schools.models import Guardianship, School, Student, Term

from .models import (
    Drill,
    EmergencyPlan,
    FollowUpAnswer,
    FollowUpRequest,
    Incident,
    Inspection,
    PlanType,
    RectificationItem,
    Severity,
)

#: The version subject of the incident list the bureau and districts share (safety.views.incident_list;
#: shahe_afterschool.fragments): replaced when an incident, its children, a school or a venue is saved
#: (safety.receivers).
LIST_SUBJECT = "safety:incidents"


def incident_list(*, user, school_id=None, status: str = "", type: str = "", escalated_only: bool = False,
                  with_children: bool = True) -> QuerySet[Incident]:
    """`with_children=False` leaves the children's names unread (a reader who sees only their number)."""
    qs = (Incident.objects.visible_to(user)
          .select_related("school", "venue")
          .annotate(children_count=Count("children", distinct=True)))
    if with_children:
        qs = qs.prefetch_related(Prefetch("children", queryset=Student.objects.only("id", "name", "school_id")))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if status in Incident.Status.values:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type=type)
    if escalated_only:
        qs = qs.filter(escalated_at__isnull=False)
    return qs.order_by("-occurred_at", "-id")


def escalation_list(*, user) -> QuerySet[Incident]:
    """The bureau's (or a district's) escalated incidents: open ones first, newest escalation first."""
    from django.db.models import Case, IntegerField, Value, When

    return (Incident.objects.visible_to(user).escalated()
            .select_related("school", "school__district", "venue")
            .annotate(children_count=Count("children", distinct=True),
                      open_rank=Case(When(status=Incident.Status.CLOSED, then=Value(1)), default=Value(0),
                                     output_field=IntegerField()))
            .order_by("open_rank", "-escalated_at", "-id"))


def incident_counts(*, user) -> dict:
    """Counts only, by severity and status, of all incidents in the caller's area (the bureau: the
    city; district staff: the district). What the bureau may know of incidents that did not escalate."""
    scope = scope_of(user)
    qs = Incident.objects.all()
    if not scope.sees_city:
        qs = qs.filter(Q(school__district_id__in=scope.district_ids) | Q(school_id__in=scope.staff_school_ids))
    rows = qs.values("severity", "status").annotate(n=Count("id"))
    by_severity = dict.fromkeys(Severity.values, 0)
    total = open_ = 0
    for row in rows:
        by_severity[row["severity"]] = by_severity.get(row["severity"], 0) + row["n"]
        total += row["n"]
        if row["status"] != Incident.Status.CLOSED:
            open_ += row["n"]
    escalated = qs.filter(escalated_at__isnull=False).count()
    return {"total": total, "open": open_, "escalated": escalated, "not_escalated": total - escalated,
            "by_severity": [(str(Severity(v).label), n) for v, n in by_severity.items()]}


def incident_get_for_user(*, user, pk) -> Incident:
    return get_for_user(Incident.objects.select_related("school", "venue", "reported_by"), user, pk)


def incident_staff_view(*, user, incident: Incident) -> bool:
    """True when the user sees the whole record (staff of the school, the bureau or district for an
    escalated incident, admin); False means the guardian's view."""
    scope = scope_of(user)
    if scope.is_admin or incident.school_id in scope.staff_school_ids:
        return True
    return bool(incident.escalated_at and (scope.is_bureau or incident.school.district_id in scope.district_ids))


def incident_names_visible(*, user, incident: Incident) -> bool:
    """Children's names are for the school's staff (and admin): the bureau and the district see an
    escalated incident's record with the number of children involved, never who they are (PIPL)."""
    scope = scope_of(user)
    return scope.is_admin or incident.school_id in scope.staff_school_ids


def incident_can_review(*, user, incident: Incident) -> bool:
    scope = scope_of(user)
    return scope.is_admin or incident.school_id in scope.schools_with(*SCHOOL_WIDE_ROLES)


def own_children_ids(*, user) -> set[int]:
    return set(Guardianship.objects.active().filter(guardian=user).values_list("student_id", flat=True))


def guardian_children_of(*, user, incident: Incident) -> list[Student]:
    """The guardian's own children among those involved; never the other children."""
    return list(incident.children.filter(guardianships__guardian=user, guardianships__active=True).distinct())


def incident_detail(*, incident: Incident) -> dict:
    return {
        "children": list(incident.children.select_related("homeroom_class")),
        "staff": list(incident.staff.all()),
        "follow_ups": list(incident.follow_ups.select_related("author")),
        "contacts": list(incident.guardian_contacts.select_related("recorded_by")),
        "history": list(incident.history.select_related("history_user").order_by("-history_date")[:20]),
    }


def student_search(*, user, school: School, query: str, limit: int = 20) -> list[Student]:
    """Children of the school to name on an incident: staff of the school find any child of it by
    name or student number (a teacher on duty may need to name a child not in their group)."""
    scope = scope_of(user)
    if not (scope.is_admin or school.pk in scope.schools_with(*SCHOOL_ROLES)):
        return []
    query = (query or "").strip()[:32]
    if len(query) < 1:
        return []
    return list(Student.objects.filter(school=school, status=Student.Status.ENROLLED)
                .filter(Q(name__icontains=query) | Q(student_number__icontains=query))
                .select_related("homeroom_class")[:limit])


def staff_schools(*, user) -> QuerySet[School]:
    scope = scope_of(user)
    if scope.is_admin:
        return School.objects.filter(active=True)
    return School.objects.filter(pk__in=scope.schools_with(*SCHOOL_ROLES))


# --- plans, drills, flags ---------------------------------------------------------------------
@dataclass
class SchoolSafetyFlags:
    school_id: int
    missing_plans: list = field(default_factory=list)
    unreviewed_plans: list = field(default_factory=list)
    no_drill_this_term: bool = False
    last_drill: datetime.date | None = None

    @property
    def flagged(self) -> bool:
        return bool(self.unreviewed_plans or self.no_drill_this_term)


def safety_flags(*, school_ids, today: datetime.date | None = None) -> dict[int, SchoolSafetyFlags]:
    """Flags per school: a plan not reviewed for over a year, no drill this term (and which plan
    types are missing). Three queries whatever the number of schools; the reports app calls this."""
    today = today or timezone.localdate()
    school_ids = list(school_ids)
    term = Term.current(today)
    year_ago = today - datetime.timedelta(days=365)
    flags = {pk: SchoolSafetyFlags(school_id=pk) for pk in school_ids}
    seen_types: dict[int, set] = {pk: set() for pk in school_ids}
    for plan in EmergencyPlan.objects.filter(school_id__in=school_ids).only("id", "school_id", "plan_type",
                                                                           "last_reviewed_on"):
        seen_types[plan.school_id].add(plan.plan_type)
        if plan.last_reviewed_on < year_ago:
            flags[plan.school_id].unreviewed_plans.append(plan)
    last_drills = dict(Drill.objects.filter(school_id__in=school_ids).values("school_id")
                       .annotate(last=Max("held_on")).values_list("school_id", "last"))
    plan_types = PlanType.choices  # built anew on each access: once, not once a school
    for pk in school_ids:
        flags[pk].missing_plans = [label for value, label in plan_types if value not in seen_types[pk]]
        last = last_drills.get(pk)
        flags[pk].last_drill = last
        if term is not None:
            start = term.start_date
            flags[pk].no_drill_this_term = last is None or last < start
        else:
            flags[pk].no_drill_this_term = last is None
    return flags


def plan_list(*, user, school_id=None) -> QuerySet[EmergencyPlan]:
    qs = EmergencyPlan.objects.visible_to(user).select_related("school", "responsible")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs


def drill_list(*, user, school_id=None) -> QuerySet[Drill]:
    qs = Drill.objects.visible_to(user).select_related("school", "plan")
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs


def plan_get_for_user(*, user, pk) -> EmergencyPlan:
    return get_for_user(EmergencyPlan.objects.select_related("school"), user, pk)


# --- inspections ------------------------------------------------------------------------------
def inspection_list(*, user, school_id=None) -> QuerySet[Inspection]:
    today = timezone.localdate()
    qs = (Inspection.objects.visible_to(user).select_related("school", "recorded_by")
          .annotate(item_count=Count("items", distinct=True),
                    open_count=Count("items", filter=Q(items__status__in=RectificationItem.OPEN_STATES),
                                     distinct=True),
                    overdue_count=Count("items", filter=Q(items__status__in=RectificationItem.OPEN_STATES,
                                                          items__deadline__lt=today), distinct=True)))
    if school_id:
        qs = qs.filter(school_id=school_id)
    return qs.order_by("-inspected_on", "-id")


def inspection_get_for_user(*, user, pk) -> Inspection:
    return get_for_user(Inspection.objects.select_related("school", "recorded_by"), user, pk)


def rectification_item_get_for_user(*, user, pk) -> RectificationItem:
    return get_for_user(RectificationItem.objects.select_related("inspection", "inspection__school", "owner"),
                        user, pk)


def overdue_items(*, user) -> QuerySet[RectificationItem]:
    return (RectificationItem.objects.visible_to(user).overdue()
            .select_related("inspection__school", "owner").order_by("deadline", "id"))


def items_awaiting_school(*, user, school_id) -> QuerySet[RectificationItem]:
    return (RectificationItem.objects.visible_to(user)
            .filter(inspection__school_id=school_id, status__in=RectificationItem.OPEN_STATES)
            .select_related("inspection", "owner"))


# --- 督办: follow-up requests -----------------------------------------------------------------
def follow_up_list(*, user, status: str = "", incident_id=None) -> QuerySet[FollowUpRequest]:
    """The requests the user sees (bureau; the incident's district; the school's principal and
    offices), open ones first (overdue first among them), then the newest."""
    from django.db.models import Case, IntegerField, Value, When

    qs = (FollowUpRequest.objects.visible_to(user)
          .select_related("incident", "school", "requested_by", "closed_by")
          .prefetch_related(Prefetch("answers", queryset=FollowUpAnswer.objects.select_related("author")))
          .annotate(state_rank=Case(When(status=FollowUpRequest.Status.OPEN, then=Value(0)),
                                    When(status=FollowUpRequest.Status.ANSWERED, then=Value(1)),
                                    default=Value(2), output_field=IntegerField())))
    if status in FollowUpRequest.Status.values:
        qs = qs.filter(status=status)
    if incident_id is not None:
        qs = qs.filter(incident_id=incident_id)
    return qs.order_by("state_rank", "due_at", "-id")


def follow_up_get_for_user(*, user, pk) -> FollowUpRequest:
    return get_for_user(FollowUpRequest.objects.select_related("incident", "incident__school", "school",
                                                               "requested_by"), user, pk)


def follow_up_counts(*, user, school_ids=None, district_ids=None, now=None) -> dict:
    """Open (unanswered), overdue and answered-not-closed requests the user sees, in one query;
    narrowed to schools or districts when given (a workbench section counts its role's only)."""
    now = now or timezone.now()
    qs = FollowUpRequest.objects.visible_to(user).open()
    if school_ids is not None:
        qs = qs.filter(school_id__in=school_ids)
    if district_ids is not None:
        qs = qs.filter(school__district_id__in=district_ids)
    S = FollowUpRequest.Status
    return qs.aggregate(open=Count("pk", filter=Q(status=S.OPEN)),
                        overdue=Count("pk", filter=Q(status=S.OPEN, due_at__lt=now)),
                        answered=Count("pk", filter=Q(status=S.ANSWERED)),
                        first_incident=Max("incident_id"), incidents=Count("incident_id", distinct=True))


def incident_timeline(*, incident: Incident, detail: dict, requests: list) -> list[dict]:
    """Everything that happened to the incident, oldest first, with who and when: logged, escalated,
    the school's follow-ups, guardians told, each 督办 request, its answers and its closing, closed."""
    from django.utils.translation import gettext as _

    events = [{"at": incident.created_at, "who": incident.reported_by.name, "what": _("Logged"), "text": "",
               "kind": "logged"}]
    if incident.escalated_at:
        events.append({"at": incident.escalated_at, "who": "", "what": _("Escalated to the bureau"), "text": "",
                       "kind": "escalated"})
    for f in detail.get("follow_ups", ()):
        events.append({"at": f.created_at, "who": f.author.name, "what": _("School follow-up"), "text": f.text,
                       "kind": "note"})
    for c in detail.get("contacts", ()):
        events.append({"at": c.contacted_at, "who": c.recorded_by.name, "what": _("Guardian informed"),
                       "text": c.guardian_name, "kind": "contact"})
    for r in requests:
        events.append({"at": r.requested_at, "who": r.requested_by.name, "what": _("Follow-up request (督办)"),
                       "text": r.text, "kind": "request"})
        for a in r.answers.all():
            events.append({"at": a.created_at, "who": a.author.name, "what": _("Answer to the follow-up request"),
                           "text": a.text, "kind": "answer"})
        if r.closed_at:
            events.append({"at": r.closed_at, "who": r.closed_by.name if r.closed_by else "",
                           "what": _("Follow-up request closed"), "text": r.closing_note, "kind": "request_closed"})
    if incident.closed_at:
        events.append({"at": incident.closed_at, "who": "", "what": _("Incident closed"),
                       "text": incident.closing_summary, "kind": "closed"})
    return sorted(events, key=lambda e: e["at"])


def guardian_message_deliveries(*, incident: Incident, children) -> list[tuple]:
    """How the school's current message to the guardians reached each of them, per child:
    [(child, [GuardianDelivery…])…] (one query; none when no message was sent)."""
    from notices.selectors import delivery_states

    from .services import guardian_message_key

    if not incident.guardian_message or not incident.guardians_notified_at:
        return []
    key = guardian_message_key(incident.pk, incident.guardian_message)
    reached = delivery_states({f"{key}:{c.pk}"[:128]: c.pk for c in children})
    return [(c, reached[c.pk]) for c in children if c.pk in reached]
