"""Safety's items on the workbench (accounts.workbench): open incidents (escalated first, in red),
rectification items, 督办 requests. Each figure is one query, scoped through `visible_to` and the
schools or districts of the section's role."""
from __future__ import annotations

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.workbench import Figure, WorkItem, register_work

from . import selectors
from .models import Incident, RectificationItem

SCHOOL_LEADS = frozenset({Role.PRINCIPAL})
OVERSIGHT = frozenset({Role.BUREAU, Role.DISTRICT})


def _incidents(ctx):
    qs = Incident.objects.visible_to(ctx.user).exclude(status=Incident.Status.CLOSED)
    if ctx.role == Role.DISTRICT:
        return qs.filter(escalated_at__isnull=False, school__district_id__in=ctx.district_ids)
    if ctx.role == Role.BUREAU:
        return qs.filter(escalated_at__isnull=False)
    return qs.filter(school_id__in=ctx.school_ids)


def _one_or_list(n: int, first: int | None, list_url: str) -> str:
    return reverse("safety:incident_detail", args=[first]) if n == 1 and first else list_url


def escalated_open(ctx) -> Figure:
    """Escalated incidents not closed: the principal's school, the district's schools, the city."""
    row = _incidents(ctx).filter(escalated_at__isnull=False).aggregate(n=Count("pk"), first=Min("pk"))
    list_url = reverse("safety:escalations") if ctx.role in OVERSIGHT else reverse("safety:incidents") + "?status=open"
    return Figure(count=row["n"], url=_one_or_list(row["n"], row["first"], list_url))


def other_open(ctx) -> Figure:
    """The school's open incidents that did not escalate (the principal's section)."""
    row = _incidents(ctx).filter(escalated_at__isnull=True).aggregate(n=Count("pk"), first=Min("pk"))
    return Figure(count=row["n"], url=_one_or_list(row["n"], row["first"], reverse("safety:incidents") + "?status=open"))


def rectification_due(ctx) -> Figure:
    """Rectification items the school still has to put right (open or reopened), the overdue ones in red."""
    row = (RectificationItem.objects.visible_to(ctx.user)
           .filter(inspection__school_id__in=ctx.school_ids, status__in=RectificationItem.OPEN_STATES)
           .aggregate(n=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=ctx.today)), due=Min("deadline")))
    if not row["n"]:
        return Figure(count=0)
    text = (_("%(n)d overdue") % {"n": row["overdue"]} if row["overdue"]
            else _("next deadline %(date)s") % {"date": date_format(row["due"], "MONTH_DAY_FORMAT")})
    return Figure(count=row["n"], text=text, tone="danger" if row["overdue"] else "warning")


def rectification_overdue(ctx) -> int:
    """Items past their deadline, city-wide (the bureau's section)."""
    return RectificationItem.objects.visible_to(ctx.user).overdue(ctx.today).count()


def follow_ups(ctx) -> Figure:
    """督办: for the principal, requests waiting for their answer; for the bureau and the district, the
    requests still open (waiting or answered but not closed) in their area, the overdue in red."""
    if ctx.role == Role.PRINCIPAL:
        counts = selectors.follow_up_counts(user=ctx.user, school_ids=ctx.school_ids, now=ctx.now)
        n = counts["open"]
    elif ctx.role == Role.DISTRICT:
        counts = selectors.follow_up_counts(user=ctx.user, district_ids=ctx.district_ids, now=ctx.now)
        n = counts["open"] + counts["answered"]
    else:
        counts = selectors.follow_up_counts(user=ctx.user, now=ctx.now)
        n = counts["open"] + counts["answered"]
    parts = []
    if counts["overdue"]:
        parts.append(_("%(n)d past the deadline") % {"n": counts["overdue"]})
    if ctx.role != Role.PRINCIPAL and counts["answered"]:
        parts.append(_("%(n)d answered, to close") % {"n": counts["answered"]})
    if n and counts["incidents"] == 1:
        url = reverse("safety:incident_detail", args=[counts["first_incident"]]) + "#follow-up-requests"
    else:
        url = reverse("safety:follow_up_requests")
    return Figure(count=n, text=" · ".join(parts), url=url,
                  tone="danger" if counts["overdue"] or (ctx.role == Role.PRINCIPAL and n) else "warning")


def register() -> None:
    register_work(WorkItem(
        key="safety.escalated_open", label=gettext_lazy("Escalated incidents open"),
        roles=SCHOOL_LEADS | OVERSIGHT, figure=escalated_open, tone="danger", order=10,
        nav={Role.PRINCIPAL: "safety:incidents", Role.BUREAU: "safety:escalations", Role.DISTRICT: "safety:escalations"},
    ))
    register_work(WorkItem(
        key="safety.follow_up_requests", label=gettext_lazy("Follow-up requests (督办)"),
        roles=SCHOOL_LEADS | OVERSIGHT, figure=follow_ups, tone="danger", order=11,
        nav="safety:follow_up_requests",
    ))
    register_work(WorkItem(
        key="safety.other_open", label=gettext_lazy("Other open incidents"), roles=SCHOOL_LEADS,
        figure=other_open, tone="warning", order=12, nav="safety:incidents",
    ))
    register_work(WorkItem(
        key="safety.rectification_due", label=gettext_lazy("Rectification items to put right"), roles=SCHOOL_LEADS,
        figure=rectification_due, url="safety:inspections", tone="warning", order=40, nav="safety:inspections",
    ))
    register_work(WorkItem(
        key="safety.rectification_overdue", label=gettext_lazy("Overdue rectification items"),
        roles=frozenset({Role.BUREAU}), figure=rectification_overdue, url="safety:inspections", tone="danger",
        order=30, nav="safety:inspections",
    ))

