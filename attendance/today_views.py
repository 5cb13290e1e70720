"""The parent's today card (issue 19): the card's live part for htmx, and leave in two taps.

The cards themselves are drawn on the parent's home page by the `today_cards` template tag
(attendance/templatetags/today.py); both read `attendance.today` (one cache key per child and day).
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from schools.models import Student
from shahe_afterschool.errors import DomainError
from shahe_afterschool.ids import parse_id

from . import services
from .today import POLL_SECONDS, child_today, today_card

#: The short list of reasons of the card's leave form (生病 / 事假 / 其他 with a text).
LEAVE_REASONS = {"sick": gettext_lazy("Sick"), "personal": gettext_lazy("Personal matter"),
                 "other": gettext_lazy("Other")}


def guardian_child(user, student_id) -> Student:
    """The user's own child (an active guardianship), else 404: the card and its leave are the
    guardians' (staff read a child's day through the API)."""
    pk = parse_id(student_id)
    child = (Student.objects.filter(pk=pk, guardianships__guardian=user, guardianships__active=True)
             .select_related("school").first() if pk else None)
    if child is None:
        raise Http404
    return child


def leave_days(today: datetime.date | None = None) -> list[tuple[str, str]]:
    """("today" | "tomorrow", its label) for the card's leave form."""
    today = today or timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    return [("today", _("Today, %(date)s") % {"date": date_format(today, "MONTH_DAY_FORMAT")}),
            ("tomorrow", _("Tomorrow, %(date)s") % {"date": date_format(tomorrow, "MONTH_DAY_FORMAT")})]


@login_required
@require_GET
def child_today_card(request: HttpRequest, student_id: int) -> HttpResponse:
    """The live part of one child's card (htmx swaps it in place)."""
    child = guardian_child(request.user, student_id)
    card = today_card(child, child_today(child))
    response = render(request, "attendance/_today_live.html", {"card": card, "poll_seconds": POLL_SECONDS})
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_POST
def child_leave(request: HttpRequest, student_id: int) -> HttpResponse:
    """请假 from the card: `choice` is "today:sick", "tomorrow:personal", "today:other" (with `other`,
    the reason written)... through `services.leave_report`; back to the home page's card."""
    child = guardian_child(request.user, student_id)
    back = reverse("enrollment:parent_home") + f"#today-{child.pk}"
    day_key, _sep, reason_key = (request.POST.get("choice") or "").partition(":")
    today = timezone.localdate()
    days = {"today": today, "tomorrow": today + datetime.timedelta(days=1)}
    if day_key not in days or reason_key not in LEAVE_REASONS:
        messages.error(request, _("Choose the day and the reason of the leave."))
        return redirect(back)
    if reason_key == "other":
        reason = (request.POST.get("other") or "").strip()
        if not reason:
            messages.error(request, _("Write the reason of the leave (other)."))
            return redirect(back)
    else:
        with translation.override(settings.LANGUAGE_CODE):  # the teacher's roll reads it in the school's language
            reason = str(LEAVE_REASONS[reason_key])
    try:
        services.leave_report(by=request.user, student=child, date=days[day_key], reason=reason[:200])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    messages.success(request, _("Leave reported for %(child)s on %(date)s.")
                     % {"child": child.name, "date": days[day_key].isoformat()})
    return redirect(back)
