"""Clubs' items on the workbench (accounts.workbench): the principal's plans and clubs to approve, the
offices' club waiting lists and the choice window. One query each, scoped through `visible_to` and
the section's schools."""
from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.workbench import Figure, WorkItem, register_work

from .models import ChoiceWindow, Club, ClubChoice, ReviewStatus, ServicePlan

OFFICES = frozenset({Role.MORAL_ED, Role.ACADEMIC})


def _school_url(name: str, ctx) -> str:
    url = reverse(name)
    return f"{url}?school={ctx.first_school}" if len(ctx.school_ids) > 1 else url


def plans_to_approve(ctx) -> int:
    return (ServicePlan.objects.visible_to(ctx.user)
            .filter(school_id__in=ctx.school_ids, status=ReviewStatus.SUBMITTED).count())


def clubs_to_approve(ctx) -> Figure:
    n = Club.objects.visible_to(ctx.user).filter(school_id__in=ctx.school_ids, status=ReviewStatus.SUBMITTED).count()
    url = reverse("clubs:list") + f"?status={ReviewStatus.SUBMITTED}"
    return Figure(count=n, url=url + (f"&school={ctx.first_school}" if len(ctx.school_ids) > 1 else ""))


def club_waitlist(ctx) -> int:
    """Children on a club's waiting list this term."""
    term = ctx.term()
    if term is None:
        return 0
    return (ClubChoice.objects.visible_to(ctx.user)
            .filter(club__school_id__in=ctx.school_ids, term=term, status=ClubChoice.Status.WAITLISTED).count())


def choice_window(ctx) -> Figure | None:
    """Where the term's club choice stands: not set, open until…, closed and waiting for the allocation
    (a count of 1: something to do), allocated."""
    term = ctx.term()
    if term is None or not ctx.school_ids:
        return None
    window = (ChoiceWindow.objects.visible_to(ctx.user).filter(school_id__in=ctx.school_ids, term=term)
              .order_by("school_id").first())
    url = _school_url("clubs:window", ctx) if ctx.role == Role.ACADEMIC else _school_url("clubs:list", ctx)
    if window is None:
        return Figure(text=_("No choice window set for this term"), tone="warning", url=url)
    when = timezone.localtime
    if window.allocated_at:
        return Figure(text=_("Allocated on %(date)s") % {"date": date_format(when(window.allocated_at), "MONTH_DAY_FORMAT")},
                      tone="success", url=url)
    if ctx.now < window.opens_at:
        return Figure(text=_("Opens %(when)s") % {"when": date_format(when(window.opens_at), "SHORT_DATETIME_FORMAT")},
                      tone="info", url=url)
    if ctx.now < window.closes_at:
        return Figure(text=_("Open until %(when)s") % {"when": date_format(when(window.closes_at),
                                                                           "SHORT_DATETIME_FORMAT")},
                      tone="info", url=url)
    return Figure(count=1, text=_("Closed: run the allocation"), tone="warning", url=url)


def register() -> None:
    register_work(WorkItem(
        key="clubs.plans_to_approve", label=gettext_lazy("Service plans to approve"),
        roles=frozenset({Role.PRINCIPAL}), figure=plans_to_approve, url="clubs:plan_list", order=20,
        nav="clubs:plan_list",
    ))
    register_work(WorkItem(
        key="clubs.clubs_to_approve", label=gettext_lazy("Clubs to approve"), roles=frozenset({Role.PRINCIPAL}),
        figure=clubs_to_approve, order=21, nav="clubs:list",
    ))
    register_work(WorkItem(
        key="clubs.waitlist", label=gettext_lazy("Waiting for a club seat"), roles=OFFICES, figure=club_waitlist,
        url="clubs:list", tone="info", order=23,
    ))
    register_work(WorkItem(
        key="clubs.choice_window", label=gettext_lazy("Club choice window"), roles=OFFICES, figure=choice_window,
        order=24,
    ))
