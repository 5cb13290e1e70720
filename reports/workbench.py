"""Reports' items on the workbench (accounts.workbench): the last published week and the schools with
compliance flags in it, for the bureau (the city) and district staff (their district). One query,
shared by both items through `ctx.once`; it reads two keys of the report's JSON, not the whole of it."""
from __future__ import annotations

import datetime

from django.db.models import IntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.workbench import Figure, WorkItem, register_work

from .models import ScopeKind, WeeklyCoverageReport

OVERSIGHT = frozenset({Role.BUREAU, Role.DISTRICT})


def week_label(week_start: datetime.date) -> str:
    """第48周（11月23日—11月29日）: a person's name for an ISO week (the code is for files and the API)."""
    end = week_start + datetime.timedelta(days=6)
    return _("Week %(n)d (%(start)s–%(end)s)") % {
        "n": week_start.isocalendar()[1], "start": date_format(week_start, "MONTH_DAY_FORMAT"),
        "end": date_format(end, "MONTH_DAY_FORMAT")}


def _latest(ctx) -> dict | None:
    if ctx.role == Role.BUREAU:
        qs = WeeklyCoverageReport.objects.visible_to(ctx.user).filter(kind=ScopeKind.CITY)
    else:
        qs = WeeklyCoverageReport.objects.visible_to(ctx.user).filter(kind=ScopeKind.DISTRICT,
                                                                      district_id__in=ctx.district_ids)
    return ctx.once(f"reports.latest.{ctx.role}", lambda: (
        qs.filter(status=WeeklyCoverageReport.Status.PUBLISHED)
        .annotate(flagged=Cast(KT("data__main__flagged_schools"), IntegerField()))
        .order_by("-week_start", "district_id").values("week_start", "district_id", "flagged").first()))


def _url(ctx, row) -> str:
    if ctx.role == Role.DISTRICT and row:
        return reverse("reports:district", args=[row["district_id"]])
    return reverse("reports:city") if ctx.role == Role.BUREAU else reverse("reports:dashboard")


def last_week(ctx) -> Figure:
    row = _latest(ctx)
    if row is None:
        return Figure(text=_("No week published yet"), url=_url(ctx, row))
    return Figure(text=week_label(row["week_start"]), url=_url(ctx, row))


def flagged_schools(ctx) -> Figure:
    row = _latest(ctx)
    if row is None:
        return Figure(count=0, url=_url(ctx, row))
    return Figure(count=row["flagged"] or 0, text=week_label(row["week_start"]), url=_url(ctx, row))


def register() -> None:
    register_work(WorkItem(
        key="reports.flagged_schools", label=gettext_lazy("Schools with compliance flags"), roles=OVERSIGHT,
        figure=flagged_schools, tone="warning", order=40, nav="reports:dashboard",
    ))
    register_work(WorkItem(
        key="reports.last_week", label=gettext_lazy("Last published weekly report"), roles=frozenset({Role.BUREAU}),
        figure=last_week, order=41,
    ))
