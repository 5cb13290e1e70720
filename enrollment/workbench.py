"""Enrollment's items on the workbench (accounts.workbench): the homeroom teacher's applications and
priority claims, the offices' groups without a teacher and waiting lists. One query each, scoped
through `visible_to` and the section's classes or schools."""
from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.workbench import Figure, WorkItem, register_work

from .models import Application, PriorityClaim, ServiceGroup

OFFICES = frozenset({Role.MORAL_ED, Role.ACADEMIC})


def applications_to_review(ctx) -> int:
    """Applications of the homeroom teacher's classes waiting for the class review."""
    return (Application.objects.visible_to(ctx.user)
            .filter(student__homeroom_class_id__in=ctx.class_ids, status=Application.Status.SUBMITTED).count())


def claims_to_verify(ctx) -> int:
    """Priority claims of the classes' open applications that nobody has verified or declined yet."""
    return (PriorityClaim.objects.filter(
        status=PriorityClaim.Status.CLAIMED,
        application__in=Application.objects.visible_to(ctx.user).filter(
            student__homeroom_class_id__in=ctx.class_ids, status__in=Application.OPEN_STATUSES))
        .count())


def groups_without_teacher(ctx) -> Figure:
    """Active groups of the term with no teacher yet (and their children placed)."""
    term = ctx.term()
    if term is None:
        return Figure(count=0)
    row = (ServiceGroup.objects.visible_to(ctx.user)
           .filter(school_id__in=ctx.school_ids, term=term, status=ServiceGroup.Status.ACTIVE, teacher__isnull=True)
           .aggregate(n=Count("pk", distinct=True),
                      children=Count("placements", filter=Q(placements__active=True))))
    text = _("%(n)d children placed in them") % {"n": row["children"]} if row["n"] else ""
    return Figure(count=row["n"], text=text)


def waitlist(ctx) -> int:
    """Children of the term on the waiting list for a service group."""
    term = ctx.term()
    if term is None:
        return 0
    return (Application.objects.visible_to(ctx.user)
            .filter(school_id__in=ctx.school_ids, term=term, status=Application.Status.WAITLISTED).count())


def register() -> None:
    register_work(WorkItem(
        key="enrollment.applications_to_review", label=gettext_lazy("Applications to review"),
        roles=frozenset({Role.HOMEROOM}), figure=applications_to_review, url="enrollment:queue", order=20,
        nav="enrollment:queue",
    ))
    register_work(WorkItem(
        key="enrollment.claims_to_verify", label=gettext_lazy("Priority claims to verify"),
        roles=frozenset({Role.HOMEROOM}), figure=claims_to_verify, url="enrollment:queue", order=21,
        nav="enrollment:queue",
    ))
    register_work(WorkItem(
        key="enrollment.groups_without_teacher", label=gettext_lazy("Groups without a teacher"), roles=OFFICES,
        figure=groups_without_teacher, url="enrollment:groups", order=20, nav="enrollment:groups",
    ))
    register_work(WorkItem(
        key="enrollment.waitlist", label=gettext_lazy("Waiting for a service group"), roles=OFFICES,
        figure=waitlist, url="enrollment:groups", tone="info", order=22,
    ))
