"""The attendance section of the weekly report (registered from `ReportsConfig.ready()` when the
attendance app has models): service days held against planned, service minutes held per day,
attendance rate, late pickups, and the flags *a day not closed*, *rolls not taken*, *no duty leader
on a service day*. Read from the day totals (`attendance/totals.py`, one row per school and day,
written at the day close and nightly), whose definitions follow; never a loop over children or marks.

- A day is *held* when the school has at least one roll that day; *planned* days are the service days
  of the calendar inside the term (`BuildContext.service_days`: the plan's school days less holidays
  and days without service, plus make-up school days). *Planned service days without any roll*: planned
  days gone by (up to today) on which the school has no roll at all (flag `days_without_roll`).
- Minutes held on a day: for each session (noon, after-school) the span of the day's group rolls
  (earliest start to latest end), added up; the average is over the days held.
- Attendance rate: (present + late) / (present + late + absent); children on leave are not counted.
- A late pickup: a pickup after the term's latest end (18:00), in Asia/Shanghai time.
- Rolls not taken: rolls of the week still open (not submitted). A day not closed: a day held without
  the duty leader's day close. No duty leader: a planned service day without a duty rota.
"""
from __future__ import annotations

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shahe_afterschool.exports import percent

from .sections import BuildContext, Raw, Section, _zero, rate, register_section


def _attendance(ctx: BuildContext) -> dict[int, Raw]:
    from attendance import totals
    from attendance.models import DutyRota

    out = _zero(ctx, lambda: {"days_planned": 0, "days_held": 0, "minutes_held": 0, "present": 0, "late": 0,
                              "absent": 0, "leave": 0, "rolls": 0, "rolls_open": 0, "late_pickups": 0,
                              "days_not_closed": 0, "days_without_leader": 0, "days_without_roll": 0,
                              "flags": []})
    # The week's day totals (about 750 rows for the city): written at each day close and nightly;
    # a day with rolls and no total yet is computed from its marks (`attendance/totals.py`).
    held: dict[int, set] = defaultdict(set)
    # The days with rolls come from the week's rolls the clubs section reads too (`ctx.week_rolls`).
    for (sid, day), fig in totals.for_range(school_ids=ctx.school_ids, first=ctx.week_start, last=ctx.week_end,
                                           held={(row[0], row[1]) for row in ctx.week_rolls}).items():
        held[sid].add(day)
        row = out[sid]
        for key in ("minutes_held", "present", "late", "absent", "leave", "rolls", "rolls_open", "late_pickups"):
            row[key] += fig[key]
        if not fig["closed"]:
            row["days_not_closed"] += 1
    rota: dict[int, set] = defaultdict(set)
    for school_id, day in DutyRota.objects.filter(school_id__in=ctx.school_ids,
                                                  date__range=(ctx.week_start, ctx.week_end)).order_by().values_list(
            "school_id", "date"):
        rota[school_id].add(day)
    today = timezone.localdate()
    for sid, fig in out.items():
        planned = set(ctx.service_days(sid))
        fig["days_planned"] = len(planned)
        fig["days_held"] = len(held[sid])
        # a planned service day gone by without a single roll (not even one left open)
        fig["days_without_roll"] = len({d for d in planned if d <= today} - held[sid])
        if fig["days_without_roll"]:
            fig["flags"].append("days_without_roll")
        fig["days_without_leader"] = len((planned | held[sid]) - rota[sid])
        if fig["days_not_closed"]:
            fig["flags"].append("day_not_closed")
        if fig["rolls_open"]:
            fig["flags"].append("rolls_not_taken")
        if fig["days_without_leader"]:
            fig["flags"].append("no_duty_leader")
    return out


def _attendance_final(raw: Raw, ctx) -> dict:
    attended = raw.get("present", 0) + raw.get("late", 0)
    days_held = raw.get("days_held", 0)
    return {k: raw.get(k, 0) for k in ("days_planned", "days_held", "present", "late", "absent", "leave", "rolls",
                                       "rolls_open", "late_pickups", "days_not_closed", "days_without_leader",
                                       "days_without_roll")} | {
        "avg_minutes_per_day": round(raw.get("minutes_held", 0) / days_held, 1) if days_held else None,
        "attendance_rate": rate(attended, attended + raw.get("absent", 0)),
    }


def _attendance_rows(fig: dict, **_options) -> list:
    return [
        (_("Service days held"), fig["days_held"]),
        (_("Service days planned"), fig["days_planned"]),
        (_("Average service minutes held per day"), fig["avg_minutes_per_day"]),
        (_("Attendance rate (%)"), percent(fig["attendance_rate"])),
        (_("Marked present (child-days)"), fig["present"]),
        (_("Marked late (child-days)"), fig["late"]),
        (_("Marked absent (child-days)"), fig["absent"]),
        (_("On leave (child-days)"), fig["leave"]),
        (_("Rolls of the week"), fig["rolls"]),
        (_("Rolls still open"), fig["rolls_open"]),
        (_("Planned service days without any roll"), fig.get("days_without_roll", 0)),
        (_("Late pickups (after the latest end)"), fig["late_pickups"]),
        (_("Days not closed"), fig["days_not_closed"]),
        (_("Service days without a duty leader"), fig["days_without_leader"]),
    ]


register_section(Section(
    code="attendance", title=_("Attendance"), per_school=_attendance, finalize=_attendance_final,
    rows=_attendance_rows, order=35,
    main={"days_held": ("days_held", _("Service days held")),
          "minutes_held": ("avg_minutes_per_day", _("Minutes held per day")),
          "attendance_rate": ("attendance_rate", _("Attendance rate (%)")),
          "late_pickups": ("late_pickups", _("Late pickups"))},
    short={"days_held": pgettext_lazy("report column", "Days"),
           "minutes_held": pgettext_lazy("report column", "Held min"),
           "attendance_rate": pgettext_lazy("report column", "Att. %"),
           "late_pickups": pgettext_lazy("report column", "Late")},
    percent=frozenset({"attendance_rate"}),
), flags={"day_not_closed": _("A day not closed"), "rolls_not_taken": _("Rolls not taken"),
          "no_duty_leader": _("No duty leader on a service day"),
          "days_without_roll": _("Planned service days without any roll")})
