"""Each school's figures for each day worked out from the rows themselves (loops, no aggregates):
what the day totals (`attendance/totals.py`) and the weekly report are compared with."""
import datetime
from collections import defaultdict

from attendance import totals
from attendance.models import CustodyEvent, Mark, Roll


def by_hand(school_ids, first, last, latest_end):
    """Each school's figures for each day, from the rows themselves (loops, no aggregates)."""
    if isinstance(latest_end, str):  # a term built in the test, not reloaded
        latest_end = datetime.time.fromisoformat(latest_end)
    out = defaultdict(lambda: dict.fromkeys(totals.FIGURES, 0))
    spans = defaultdict(list)
    for roll in Roll.objects.filter(school_id__in=school_ids, date__range=(first, last)):
        if roll.status == Roll.Status.CANCELLED:
            continue
        fig = out[(roll.school_id, roll.date)]
        fig["rolls"] += 1
        fig["rolls_open"] += roll.status == Roll.Status.OPEN
        if roll.kind == Roll.Kind.GROUP:
            spans[(roll.school_id, roll.date, roll.session)].append((roll.starts_at, roll.ends_at))
    for (sid, day, _session), windows in spans.items():
        start, end = min(w[0] for w in windows), max(w[1] for w in windows)
        out[(sid, day)]["minutes_held"] += (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    seen = defaultdict(set)
    for mark in Mark.objects.select_related("roll").filter(roll__school_id__in=school_ids,
                                                           roll__date__range=(first, last)):
        if mark.roll.status == Roll.Status.CANCELLED:
            continue
        key = (mark.roll.school_id, mark.roll.date)
        out[key][{"present": "present", "late": "late", "absent": "absent", "leave": "leave"}[mark.status]] += 1
        seen[key].add(mark.student_id)
    for key, kids in seen.items():
        out[key]["expected"] = len(kids)
    released = defaultdict(set)
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    for event in CustodyEvent.objects.filter(school_id__in=school_ids, date__range=(first, last)):
        key = (event.school_id, event.date)
        if key not in out:
            continue
        if event.kind in CustodyEvent.RELEASES:
            released[key].add(event.student_id)
        if event.kind == CustodyEvent.Kind.PICKUP and event.at.astimezone(shanghai).time() > latest_end:
            out[key]["late_pickups"] += 1
    for key, kids in released.items():
        out[key]["released"] = len(kids)
    return {k: v for k, v in out.items() if v["rolls"]}
