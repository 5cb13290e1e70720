"""The duty console's body, cached per school day and reader, keyed by what changes it (issue 23).

Duty leaders keep the console open and refreshing (every 30 s, at 150 schools at once around 17:00);
computing it reads the day's rolls, children, marks, leave, handovers and pickups and renders a
panel per held child (a closed day of a big school: 20 queries, 300 children, 45 KB of HTML). Most
refreshes find nothing changed, so the rendered body is kept in the cache under a key made of:

- the **day's version**: a random token per (school, date) in the cache, replaced after the commit
  of every write the console shows (`day_changed`): marks (also the roll page's bulk insert), rolls,
  handovers and pickups (also the class handover's bulk insert), leave, refused pickups, follow-ups,
  the day close and the rota, and each attempt to deliver the guardians' notice of an absence or a
  refused pickup (the console's delivery lines). A write replaces the token at once and again after its commit, so
  the next read computes the day again; a read that started before the commit stores its body under
  a token that nobody asks for any more. A token lost from the cache is replaced by a new one (never by an old value), so an
  eviction costs one computation, never shows an old body.
- the **minute** of the clock: what depends on the time (late pickups, "leaves alone from 17:00",
  where a child is now) and what no write above announces (a guardian's or authorised person's
  change, a new placement, a delivery claimed by a worker) is at most one minute old.
  The pickup itself checks the adult against the list when it is recorded, so a button shown for an
  adult removed within that minute records nothing.
- the reader: the language, whether they are the rostered leader (full phone numbers), the page's
  path, and a digest of their CSRF secret (the body holds the forms' CSRF tokens).

The page around the body (navigation, messages after a pickup) is rendered for each request, and the
audit of the late pickups' phone numbers is written on every read, cached body or not.

The open page refreshes its figures and sessions (`_console_live.html`) every 30 s with an htmx
request that names that part (`HX-Target: console-live`); the view answers it with that part alone,
computed from `day_state` without the pickup panels, guardians, plans or deliveries, and kept by
`live_html`: the same day version and minute, the language and the path, but not the reader (it holds
no form and no phone number, so every reader allowed to open the console of that day is shown the
same figures). Around 16:00-17:00 a school's day changes every few seconds (rolls being submitted),
so most refreshes compute: the figures cost a fraction of the body (docs/performance.md).
"""
from __future__ import annotations

import datetime
import hashlib

from django.core.cache import cache
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language

from notices.models import Delivery, Notification
from shahe_afterschool import fragments

from .models import AbsenceFollowUp, CustodyEvent, DayClose, DutyRota, Leave, Mark, PickupRefusal, Roll

#: How long a body is kept (its key also names the minute, so it is read within that minute only).
BODY_SECONDS = 90


def _subject(school_id: int, date: datetime.date) -> str:
    return f"attendance:console:{school_id}:{date.isoformat()}"


def day_version(school_id: int, date: datetime.date) -> str:
    return fragments.version(_subject(school_id, date))


def day_changed(school_id: int, date: datetime.date) -> None:
    """The console of this school day must be computed again (shahe_afterschool.fragments.changed:
    a new token now and another after the current transaction commits)."""
    fragments.changed(_subject(school_id, date))


def body_key(request, *, school_id: int, date: datetime.date, is_leader: bool) -> str:
    now = timezone.localtime()
    reader = hashlib.blake2b(f"{fragments.csrf_secret(request)}|{request.get_full_path()}".encode(),
                             digest_size=12).hexdigest()
    return ":".join(["attendance:console:body", str(school_id), date.isoformat(), day_version(school_id, date),
                     now.strftime("%Y%m%d%H%M"), get_language() or "", "L" if is_leader else "-", reader])


def live_html(request, *, school_id: int, date: datetime.date, compute) -> str:
    """The figures and sessions of the day's console (`compute()` renders them when none are kept):
    kept under a `fragments` key of the day's version, the minute, the language and the path."""
    key = fragments.key("attendance:console:live", _subject(school_id, date),
                        timezone.localtime().strftime("%Y%m%d%H%M"), request.get_full_path())
    return cache.get_or_set(key, compute, BODY_SECONDS)


def get_body(key: str):
    """(html, ids of the late pickups shown with phone numbers) or None."""
    return cache.get(key)


def set_body(key: str, html: str, late_ids: list[int]) -> None:
    cache.set(key, (html, late_ids), BODY_SECONDS)


# --- what changes the day -----------------------------------------------------------------------
def _roll_day(roll_id: int):
    return Roll.objects.filter(pk=roll_id).values_list("school_id", "date").first()


@receiver(post_save, sender=Mark, dispatch_uid="attendance.console.mark")
def _mark_saved(sender, instance: Mark, **kwargs):
    if Mark.roll.is_cached(instance):
        day_changed(instance.roll.school_id, instance.roll.date)
    elif (day := _roll_day(instance.roll_id)) is not None:
        day_changed(*day)


@receiver(post_save, sender=Roll, dispatch_uid="attendance.console.roll")
def _roll_saved(sender, instance: Roll, **kwargs):
    day_changed(instance.school_id, instance.date)


@receiver(post_save, sender=CustodyEvent, dispatch_uid="attendance.console.custody")
@receiver(post_save, sender=PickupRefusal, dispatch_uid="attendance.console.refusal")
@receiver(post_save, sender=AbsenceFollowUp, dispatch_uid="attendance.console.follow_up")
@receiver(post_save, sender=DayClose, dispatch_uid="attendance.console.close")
@receiver(post_save, sender=DutyRota, dispatch_uid="attendance.console.rota")
def _school_day_saved(sender, instance, **kwargs):
    day_changed(instance.school_id, instance.date)


@receiver(post_save, sender=Delivery, dispatch_uid="attendance.console.delivery")
def _delivery_saved(sender, instance: Delivery, **kwargs):
    """An attempt to deliver a guardian's notice of an absence or a refused pickup: its line on the
    console changes (a query for the notice's key, one for its day; only the worker pays them)."""
    key = (instance.notification.dedupe_key if Delivery.notification.is_cached(instance) else
           Notification.objects.filter(pk=instance.notification_id).values_list("dedupe_key", flat=True).first())
    day = notice_day(key or "")
    if day is not None:
        day_changed(*day)


def notice_day(key: str):
    """(school id, date) of the day whose console shows the notice with this dedupe key, or None:
    `attendance.absent:<roll>:<child>` (selectors.absence_notice_key) and
    `attendance.refusal:<refusal>:guardians` (selectors.refusal_notice_key)."""
    parts = key.split(":")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    if parts[0] == "attendance.absent":
        return _roll_day(int(parts[1]))
    if parts[0] == "attendance.refusal" and parts[2] == "guardians":
        return PickupRefusal.objects.filter(pk=int(parts[1])).values_list("school_id", "date").first()
    return None


@receiver(post_save, sender=Leave, dispatch_uid="attendance.console.leave")
def _leave_saved(sender, instance: Leave, **kwargs):
    from schools.models import Student

    school_id = Student.objects.filter(pk=instance.student_id).values_list("school_id", flat=True).first()
    if school_id is not None:
        day_changed(school_id, instance.date)
