"""The one place that knows the time rules of DESIGN.md.

Noon service starts no earlier than `Term.noon_start_winter` on winter-timetable days and
`Term.noon_start_summer` on summer-timetable days; after-school service ends no later than
`Term.latest_end`; a school day has at least `Term.min_daily_minutes` minutes of service. The
values are the bureau's policy settings on `schools.Term` and are read from there only.

Every check returns a list of `Problem`s whose `message` is a plain sentence in the user's
language; an empty list means the rules hold.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

Window = tuple[datetime.time, datetime.time]


@dataclass(frozen=True)
class Problem:
    code: str
    message: str

    def __str__(self) -> str:
        return str(self.message)


def minutes(t: datetime.time) -> int:
    return t.hour * 60 + t.minute


def window_minutes(window: Window | None) -> int:
    if not window:
        return 0
    return max(0, minutes(window[1]) - minutes(window[0]))


def hhmm(t: datetime.time) -> str:
    return f"{t:%H:%M}"


def noon_start_for(term, *, summer: bool) -> datetime.time:
    return _as_time(term.noon_start_summer if summer else term.noon_start_winter)


def _as_time(value) -> datetime.time:
    # A freshly built Term (not reloaded) may still hold the "13:00" string default.
    if isinstance(value, str):
        return datetime.time.fromisoformat(value)
    return value


def check_day(term, *, summer: bool, noon: Window | None, after: Window | None) -> list[Problem]:
    """The rules for one school day's windows under the winter or the summer timetable."""
    label = _("summer timetable") if summer else _("winter timetable")
    problems: list[Problem] = []
    earliest = noon_start_for(term, summer=summer)
    latest = _as_time(term.latest_end)
    for name, window in ((_("noon service"), noon), (_("after-school service"), after)):
        if window and minutes(window[1]) <= minutes(window[0]):
            problems.append(Problem("window_order", _("%(label)s: the %(name)s must end after it starts.")
                                    % {"label": label, "name": name}))
    if noon and minutes(noon[0]) < minutes(earliest):
        problems.append(Problem(
            "noon_too_early",
            _("%(label)s: noon service starts at %(start)s, but it may not start before %(earliest)s.")
            % {"label": label, "start": hhmm(noon[0]), "earliest": hhmm(earliest)},
        ))
    if after and minutes(after[1]) > minutes(latest):
        problems.append(Problem(
            "after_too_late",
            _("%(label)s: after-school service ends at %(end)s, but it must end by %(latest)s.")
            % {"label": label, "end": hhmm(after[1]), "latest": hhmm(latest)},
        ))
    if noon and after and minutes(noon[1]) > minutes(after[0]):
        problems.append(Problem(
            "windows_overlap",
            _("%(label)s: the noon service (until %(noon_end)s) overlaps the after-school service "
              "(from %(after_start)s).") % {"label": label, "noon_end": hhmm(noon[1]), "after_start": hhmm(after[0])},
        ))
    total = window_minutes(noon) + window_minutes(after)
    if total < term.min_daily_minutes:
        problems.append(Problem(
            "too_short",
            _("%(label)s: a school day has %(total)d minutes of service, but at least %(minimum)d are required.")
            % {"label": label, "total": total, "minimum": term.min_daily_minutes},
        ))
    return problems


def check_plan(plan) -> list[Problem]:
    """Every rule a `ServicePlan` must keep before it can be submitted or approved."""
    problems: list[Problem] = []
    days = plan.school_days or []
    if not days:
        problems.append(Problem("no_days", _("The plan has no school days.")))
    elif any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        problems.append(Problem("bad_days", _("School days must be weekdays numbered 1 (Monday) to 7 (Sunday).")))
    for summer in (False, True):
        w = plan.windows(summer)
        if w["after"][0] is None or w["after"][1] is None:
            problems.append(Problem("missing_after", _("The after-school window must have a start and an end.")))
            continue
        problems.extend(check_day(plan.term, summer=summer, noon=w["noon"], after=w["after"]))
    return problems


def check_slot(term, *, start: datetime.time, end: datetime.time, plan=None) -> list[Problem]:
    """A club's weekly slot: it ends after it starts, by the latest end, and lies inside one of the
    plan's windows (winter or summer timetable) when the school has a plan."""
    problems: list[Problem] = []
    if minutes(end) <= minutes(start):
        problems.append(Problem("slot_order", _("A slot must end after it starts (%(start)s-%(end)s).")
                                % {"start": hhmm(start), "end": hhmm(end)}))
        return problems
    latest = _as_time(term.latest_end)
    if minutes(end) > minutes(latest):
        problems.append(Problem("slot_too_late", _("The slot %(start)s-%(end)s ends after %(latest)s.")
                                % {"start": hhmm(start), "end": hhmm(end), "latest": hhmm(latest)}))
    earliest = min(noon_start_for(term, summer=False), noon_start_for(term, summer=True))
    if minutes(start) < minutes(earliest):
        problems.append(Problem("slot_too_early", _("The slot %(start)s-%(end)s starts before %(earliest)s.")
                                % {"start": hhmm(start), "end": hhmm(end), "earliest": hhmm(earliest)}))
    if plan is not None and not problems:
        windows = [w for summer in (False, True) for w in plan.windows(summer).values() if w]
        if not any(minutes(a) <= minutes(start) and minutes(end) <= minutes(b) for a, b in windows):
            problems.append(Problem(
                "slot_outside_plan",
                _("The slot %(start)s-%(end)s lies outside the service windows of the school's plan.")
                % {"start": hhmm(start), "end": hhmm(end)},
            ))
    return problems


def is_summer_day(term, day: datetime.date) -> bool:
    return term.is_summer(day)
