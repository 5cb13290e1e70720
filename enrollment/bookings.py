"""A service group's place on the clubs timetable: the bookings of its teacher, its venue and the
group itself under the school's plan. Services check a changed group with it (venue clashes), and
`hooks` lends it to the clubs app's timetable registry."""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TIMETABLE_LABELS = {False: _("winter timetable"), True: _("summer timetable")}


def bookings_for_group(group, plan) -> list:
    """The bookings of one service group under an approved plan (also for a group being changed)."""
    from clubs.timetable import Booking

    from .models import Session

    key = "noon" if group.session == Session.NOON else "after"
    windows = []
    for summer in (False, True):
        window = plan.windows(summer)[key]
        if window and window not in [w for w, _s in windows]:
            windows.append((window, summer))
    days = [d for d in group.weekdays or [] if not plan.school_days or d in plan.school_days]
    resources = {("group", f"service:{group.pk}")}
    if group.teacher_id:
        resources.add(("teacher", group.teacher_id))
    if group.venue_id:
        resources.add(("venue", group.venue_id))
    bookings = []
    for (start, end), summer in windows:
        label = group.name
        if len(windows) > 1:
            label = f"{group.name} ({TIMETABLE_LABELS[summer]})"
        for day in days:
            bookings.append(Booking(source=f"service:{group.pk}", label=label, school_id=group.school_id,
                                    weekday=day, start=start, end=end, resources=frozenset(resources),
                                    link=f"/enrollment/groups/{group.pk}/"))
    return bookings
