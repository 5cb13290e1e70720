"""Attendance's items on the workbench (accounts.workbench): the teacher's rolls of the day, the
homeroom class's absences, the duty leader's console and the principal's day-close state. A fixed
number of queries each, scoped through `visible_to` and the section's schools or classes."""
from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from accounts.text import join_list
from accounts.workbench import Figure, WorkItem, register_work

from .models import DayClose, DutyRota, Mark, Roll


def todays_rolls(ctx) -> Figure:
    """The teacher's rolls of today (not cancelled): how many still open, of how many."""
    row = (Roll.objects.visible_to(ctx.user)
           .filter(teacher_id=ctx.user.pk, date=ctx.today, school_id__in=ctx.school_ids)
           .exclude(status=Roll.Status.CANCELLED)
           .aggregate(n=Count("pk"), open=Count("pk", filter=Q(status=Roll.Status.OPEN))))
    if not row["n"]:
        return Figure(count=0, text=_("No roll for you today"))
    return Figure(count=row["open"], text=_("%(done)d of %(n)d submitted") % {"done": row["n"] - row["open"],
                                                                             "n": row["n"]},
                  tone="info" if row["open"] else "success")


def class_absences(ctx) -> Figure:
    """Children of the homeroom teacher's classes marked absent (or on leave) on a roll today, by name:
    the class is the teacher's own."""
    marks = set(Mark.objects.filter(roll__date=ctx.today, student__homeroom_class_id__in=ctx.class_ids,
                                    status__in=(Mark.Status.ABSENT, Mark.Status.LEAVE))
                .exclude(roll__status=Roll.Status.CANCELLED)
                .values_list("student_id", "student__name", "status"))
    absent = sorted({(name, pk) for pk, name, status in marks if status == Mark.Status.ABSENT})
    leave = {pk for pk, _name, status in marks if status == Mark.Status.LEAVE} - {pk for _n, pk in absent}
    parts = []
    if absent:
        names = [name for name, _pk in absent[:5]]
        parts.append(join_list(names) + ("…" if len(absent) > 5 else ""))
    if leave:
        parts.append(_("%(n)d on leave") % {"n": len(leave)})
    return Figure(count=len(absent), text=" · ".join(parts), url=None)


def _day_close(school_id: int, today) -> tuple[DayClose | None, dict]:
    close = DayClose.objects.filter(school_id=school_id, date=today).select_related("closed_by").first()
    rolls = (Roll.objects.filter(school_id=school_id, date=today).exclude(status=Roll.Status.CANCELLED)
             .aggregate(n=Count("pk"), open=Count("pk", filter=Q(status=Roll.Status.OPEN))))
    return close, rolls


def _close_figure(close, rolls, url) -> Figure:
    if close is not None:
        return Figure(text=_("Day closed at %(time)s by %(who)s") % {
            "time": timezone.localtime(close.closed_at).strftime("%H:%M"), "who": close.closed_by.name},
            tone="success", url=url)
    if not rolls["n"]:
        return Figure(text=_("No service today"), url=url)
    text = _("Not closed yet")
    if rolls["open"]:
        text += " · " + _("%(n)d rolls not submitted") % {"n": rolls["open"]}
    return Figure(text=text, tone="warning", url=url)


def duty_console(ctx) -> Figure:
    """The duty leader on today's rota: the console and the day's state; on another day, the next duty."""
    rota = (DutyRota.objects.visible_to(ctx.user)
            .filter(leader_id=ctx.user.pk, school_id__in=ctx.school_ids, date__gte=ctx.today)
            .order_by("date").values("school_id", "date").first())
    if rota is None:
        return Figure(text=_("Not on the duty rota"))
    if rota["date"] != ctx.today:
        return Figure(text=_("Not on duty today; next duty %(date)s") % {
            "date": date_format(rota["date"], "MONTH_DAY_FORMAT")})
    close, rolls = _day_close(rota["school_id"], ctx.today)
    url = reverse("attendance:console", args=[rota["school_id"]])
    figure = _close_figure(close, rolls, url)
    return Figure(text=_("On duty today") + " · " + figure.text, tone=figure.tone or "info", url=url)


def day_close_state(ctx) -> Figure | None:
    """The principal's school: is today's service closed (every child released), or what is left."""
    if not ctx.school_ids:
        return None
    school_id = ctx.first_school
    close, rolls = _day_close(school_id, ctx.today)
    return _close_figure(close, rolls, reverse("attendance:console", args=[school_id]))


def my_hours(ctx) -> Figure:
    """The teacher's own held hours of this month (submitted rolls, capped by the plan), beside the
    planned ones: the figure performance pay is paid on. A fixed number of queries (attendance.hours)."""
    from schools.models import School

    from .hours import teacher_hours

    first = ctx.today.replace(day=1)
    held = planned = 0
    for school in School.objects.filter(pk__in=ctx.school_ids):
        for row in teacher_hours(school=school, date_from=first, date_to=ctx.today, teacher_id=ctx.user.pk):
            held += row["held_minutes"]
            planned += row["planned_minutes"]
    return Figure(count=None, text=_("%(held)s h held this month (%(planned)s h planned so far)") % {
        "held": f"{held / 60:g}", "planned": f"{planned / 60:g}"}, tone="info")


def register() -> None:
    register_work(WorkItem(
        key="attendance.todays_rolls", label=gettext_lazy("Today's rolls to take"), roles=frozenset({Role.TEACHER}),
        figure=todays_rolls, url="attendance:today", tone="info", order=10, nav="attendance:today",
    ))
    register_work(WorkItem(
        key="attendance.my_hours", label=gettext_lazy("My service hours"), roles=frozenset({Role.TEACHER}),
        figure=my_hours, url="attendance:my_hours", tone="info", order=60,
    ))
    register_work(WorkItem(
        key="attendance.class_absences", label=gettext_lazy("Absent from my class today"),
        roles=frozenset({Role.HOMEROOM}), figure=class_absences, tone="warning", order=30,
    ))
    register_work(WorkItem(
        key="attendance.duty_console", label=gettext_lazy("Duty console"), roles=frozenset({Role.DUTY_LEADER}),
        figure=duty_console, order=10,
    ))
    register_work(WorkItem(
        key="attendance.day_close", label=gettext_lazy("Today's service"), roles=frozenset({Role.PRINCIPAL}),
        figure=day_close_state, order=30,
    ))
