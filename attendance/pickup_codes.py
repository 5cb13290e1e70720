"""接送码, the pickup code (issue 18, item 2): rules, reads and writes.

A guardian fetches today's code of a child (six digits and a QR code, `PickupCode`: why stored and
random rather than derived is said there), for themselves or for one of the child's authorised
pickup persons, to whom they send it. At the gate the duty leader types the digits or scans the QR
with the tablet's camera; `check` resolves the code to the child and the adult it belongs to at
that school today, the console shows both, and one tap records the pickup (`pickup_by_code`,
through `services.custody_record`, whose rules all apply).

A code that releases nobody (unknown, of another day, of another school, of another child, of a
child not held, of an adult no longer on the list) is a `WrongCode`: 400/409 naming what is wrong,
nothing recorded but the attempt itself (`WrongPickupCode`), counted like a refusal attempt per
person, school and day. The third alerts the day's duty leader (the principal when nobody is
rostered), like a refused pickup; from the tenth that person's codes are refused for the day (429)
and the buttons of the list remain. A malformed code (wrong length, full-width or other non-ASCII
digits, letters) is a plain 400 that counts nothing: it cannot match, and it is a typing slip.

Callers write the attempt outside their own transaction with `counting_wrong_codes`, so that an
`Idempotency-Key`'s rolled-back transaction does not take the count with it.
"""
from __future__ import annotations

import datetime
import functools
import secrets
import unicodedata
from contextlib import contextmanager
from xml.etree import ElementTree

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from accounts.roles import Role
from accounts.scoping import scope_of
from notices.services import notify
from schools.models import Guardianship, School, Student
from shahe_afterschool.errors import DomainError

from . import services
from .models import HELD_STATUSES, CustodyEvent, Mark, PickupCode, Roll, WrongPickupCode

CODE_LENGTH = 6
#: The wrong codes of one person at one school on one day after which the duty leader is alerted.
ALERT_AFTER = 3
#: ... and after which that person's codes are refused for the rest of the day.
THROTTLE_AFTER = 10


#: Why a code released nobody (`WrongPickupCode.reason` keeps the key).
REASONS = {
    "unknown": _("no such code today"),
    "another day": _("a code of another day"),
    "another school": _("another school's code"),
    "another child": _("another child's code"),
    "adult not on the list": _("the adult is no longer on the list"),
    "already released": _("the child was already released"),
    "not held": _("the child is not held"),
}


class WrongCode(DomainError):
    """A well-formed code that releases nobody: 400, or 409 when the child is not held."""

    def __init__(self, message, *, school_id: int, code: str, reason: str, pickup_code: PickupCode | None = None,
                 status: int = 400):
        super().__init__(message, field="pickup_code")
        self.status_code = status
        self.school_id, self.code, self.reason, self.pickup_code = school_id, code, reason, pickup_code


class TooManyWrongCodes(DomainError):
    status_code = 429


# --- the guardian's side -------------------------------------------------------------------------
def guardian_child(*, user, student_id) -> Student:
    """A child of whom `user` is an active guardian, else 404 (staff, other families, unknown ids)."""
    from django.http import Http404

    from shahe_afterschool.ids import parse_id

    pk = parse_id(student_id) if not isinstance(student_id, int) else student_id
    child = None
    if pk and user.is_authenticated:
        child = (Student.objects.filter(pk=pk, guardianships__guardian=user, guardianships__active=True)
                 .select_related("school").first())
    if child is None:
        raise Http404
    return child


def issue(*, user, student: Student, pickup_person=None, date: datetime.date | None = None) -> PickupCode:
    """Today's code of `student` for the guardian `user` or, when given, for `pickup_person` (an
    active authorised pickup person of the child, sent by `user`). The same adult asking again the
    same day gets the same code."""
    guardianship = Guardianship.objects.active().filter(guardian=user, student=student).first()
    if guardianship is None:
        raise services.Forbidden(_("Only the child's guardians fetch the pickup code."))
    if pickup_person is not None:
        if pickup_person.student_id != student.pk or not pickup_person.active:
            raise DomainError(_("That person is not on %(child)s's pickup list.") % {"child": student.name},
                              field="pickup_person")
        adult = {"pickup_person": pickup_person}
    else:
        if not guardianship.may_pick_up:
            raise DomainError(_("You are not on %(child)s's pickup list, so you have no pickup code of your own; "
                                "send one to an authorised pickup person instead.") % {"child": student.name})
        adult = {"guardian": user}
    date = date or timezone.localdate()
    lookup = {"student": student, "date": date, **adult}
    for _attempt in range(50):
        existing = PickupCode.objects.filter(**lookup).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return PickupCode.objects.create(school_id=student.school_id, code=_draw(), issued_by=user, **lookup)
        except IntegrityError:
            continue  # the code was drawn already at this school today (or a concurrent request won): again
    raise DomainError(_("No pickup code could be issued now; try again."))


def _draw() -> str:
    return f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"


def codes_for_person(*, student: Student, person_ids, date: datetime.date | None = None) -> dict[int, PickupCode]:
    """The codes already sent today to the child's authorised persons, by person id (one query)."""
    date = date or timezone.localdate()
    return {c.pickup_person_id: c for c in PickupCode.objects.filter(
        student=student, date=date, pickup_person_id__in=list(person_ids) or [0])}


def day_words(date: datetime.date) -> str:
    """"12月2日" / "December 2"."""
    return formats.date_format(date, pgettext("date format: month and day", "F j"))


def qr_svg(code: str, *, label: str = "") -> str:
    """The code as a QR code, an inline SVG (no external image, nothing the CSP blocks): scalable,
    white quiet zone, labelled for screen readers, and without the fixed id the library puts on
    its path (several on one page would repeat it). A code is the same all day and its page is
    opened again and again: each (code, label) is drawn once per process (an LRU in memory only:
    the codes are not written to any shared cache)."""
    return _qr_svg(code, label)


@functools.lru_cache(maxsize=2048)
def _qr_svg(code: str, label: str) -> str:
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    image = qrcode.make(code, image_factory=SvgPathFillImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    root = image.get_image()
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("role", "img")
    root.set("aria-label", label or code)
    root.set("class", "pickup-qr")
    for element in root.iter():
        element.attrib.pop("id", None)
    ElementTree.register_namespace("", "http://www.w3.org/2000/svg")
    return ElementTree.tostring(root, encoding="unicode")


def share_text(code: PickupCode) -> str:
    """What a guardian forwards to the authorised person (WeChat, SMS): who, which day, the code."""
    return str(_("%(person)s: today's pickup code for %(child)s is %(code)s (valid today, %(date)s, only). "
                 "Show it to the duty teacher at %(school)s when you collect %(child)s.") % {
        "person": code.pickup_person.name if code.pickup_person_id else code.guardian.name,
        "child": code.student.name, "code": code.code, "date": day_words(code.date),
        "school": code.school.name})


# --- the gate: typed or scanned codes -----------------------------------------------------------
def normalise(raw) -> str:
    """The typed code as six ASCII digits, or a 400 naming what is wrong (counts nothing)."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise DomainError(_("Type the %(n)d-digit pickup code.") % {"n": CODE_LENGTH}, field="pickup_code")
    if any(not ("0" <= ch <= "9") for ch in text):
        if all(unicodedata.decimal(ch, None) is not None for ch in text):
            raise DomainError(_("The code %(code)s has full-width or non-ASCII digits: type the %(n)d digits "
                                "with the number keys 0-9.") % {"code": text[:16], "n": CODE_LENGTH},
                              field="pickup_code")
        raise DomainError(_("A pickup code is %(n)d digits 0-9, without letters or signs.") % {"n": CODE_LENGTH},
                          field="pickup_code")
    if len(text) != CODE_LENGTH:
        raise DomainError(_("A pickup code has %(n)d digits; this one has %(got)d.") % {
            "n": CODE_LENGTH, "got": len(text)}, field="pickup_code")
    return text


def school_of_caller(user) -> School:
    """The school where a code is typed when the API call names no child: the caller's only school."""
    scope = scope_of(user)
    schools = sorted(scope.staff_school_ids)
    if len(schools) != 1:
        raise DomainError(_("Say which child (student) the pickup code is for."), field="student")
    return School.objects.get(pk=schools[0])


def wrong_count(*, user, school_id: int, date: datetime.date) -> int:
    return WrongPickupCode.objects.filter(school_id=school_id, date=date, recorded_by=user).count()


def check(*, user, raw, school: School, student: Student | None = None,
          date: datetime.date | None = None) -> PickupCode:
    """The code typed at `school` today, resolved to its child and adult, or an error naming what is
    wrong: `DomainError` for a malformed code, `TooManyWrongCodes`, or `WrongCode` (which the
    caller counts with `counting_wrong_codes`). Reads only."""
    if not services._staff_of(user, school.pk):
        raise services.Forbidden(_("Only staff of the child's school record handovers."))
    code = normalise(raw)
    date = date or timezone.localdate()
    if wrong_count(user=user, school_id=school.pk, date=date) >= THROTTLE_AFTER:
        raise TooManyWrongCodes(_("%(n)d wrong pickup codes today: codes are refused for you until tomorrow. "
                                  "Release the child with the buttons of the pickup list.") % {"n": THROTTLE_AFTER},
                                field="pickup_code")

    def wrong(message, reason, found=None, status=400):
        return WrongCode(message, school_id=school.pk, code=code, reason=reason, pickup_code=found, status=status)

    found = (PickupCode.objects.filter(school=school, date=date, code=code)
             .select_related("student", "guardian", "pickup_person", "school").first())
    if found is None:
        earlier = PickupCode.objects.filter(school=school, code=code, date__lt=date).order_by("-date").first()
        if earlier is not None:
            raise wrong(_("The code %(code)s was valid on %(date)s only: ask for today's code.")
                        % {"code": code, "date": day_words(earlier.date)}, "another day", earlier)
        if PickupCode.objects.filter(code=code, date=date).exclude(school=school).exists():
            raise wrong(_("The code %(code)s is another school's: that child is not at %(school)s.")
                        % {"code": code, "school": school.name}, "another school")
        raise wrong(_("No child has the pickup code %(code)s at %(school)s today.")
                    % {"code": code, "school": school.name}, "unknown")
    child = found.student
    if student is not None and student.pk != child.pk:
        raise wrong(_("The code %(code)s is not %(child)s's: do not hand the child over.")
                    % {"code": code, "child": student.name}, "another child", found)
    if services._resolve_pickup(child, guardian_id=found.guardian_id, pickup_person_id=found.pickup_person_id) is None:
        raise wrong(_("The adult of the code %(code)s is no longer on %(child)s's pickup list: do not hand the "
                      "child over.") % {"code": code, "child": child.name}, "adult not on the list", found)
    released = (CustodyEvent.objects.filter(student=child, date=date, kind__in=CustodyEvent.RELEASES,
                                            corrected_by__isnull=True).order_by("at").first())
    if released is not None:
        raise wrong(_("%(child)s was already released at %(at)s (%(to)s).")
                    % {"child": child.name, "at": services._hm(released.at), "to": released.to_name},
                    "already released", found, status=409)
    held = (Mark.objects.filter(student=child, roll__school=school, roll__date=date, status__in=HELD_STATUSES)
            .exclude(roll__status=Roll.Status.CANCELLED).exists())
    if not held:
        raise wrong(_("%(child)s is not held by the school now: not marked present on a roll today.")
                    % {"child": child.name}, "not held", found, status=409)
    return found


def adult_of(code: PickupCode) -> tuple[str, str, str]:
    """(name, relation, masked phone) of the adult the code belongs to, for the confirm."""
    from accounts.privacy import mask_phone

    if code.pickup_person_id:
        p = code.pickup_person
        return p.name, p.relation, mask_phone(p.phone)
    g = Guardianship.objects.active().filter(student_id=code.student_id, guardian_id=code.guardian_id).first()
    relation = g.get_relation_display() if g else ""
    return code.guardian.name, str(relation), mask_phone(code.guardian.phone)


def record_wrong(*, user, exc: WrongCode) -> WrongPickupCode:
    """Keep a wrong code (what was typed, why it released nobody); the `ALERT_AFTER`th of the person
    at the school that day alerts the day's duty leader (the principal when nobody is rostered),
    as a refused pickup does, and so does the `THROTTLE_AFTER`th (codes refused from then on)."""
    date = timezone.localdate()
    with transaction.atomic():
        attempt = WrongPickupCode.objects.create(school_id=exc.school_id, date=date, code=exc.code[:8],
                                                 reason=exc.reason[:200], pickup_code=exc.pickup_code,
                                                 recorded_by=user)
        n = wrong_count(user=user, school_id=exc.school_id, date=date)
        if n in (ALERT_AFTER, THROTTLE_AFTER):
            leaders = services._duty_leaders(exc.school_id, date)
            if not leaders:
                from accounts.models import RoleAssignment

                leaders = [a.user for a in RoleAssignment.objects.active().filter(
                    school_id=exc.school_id, role=Role.PRINCIPAL).select_related("user")]
            # each leader reads it in their own language (notify renders the lazy texts per recipient)
            title = _("%(n)d wrong pickup codes at the gate")
            body = _("%(by)s typed or scanned %(n)d pickup codes today that released nobody (the last: %(code)s, "
                     "%(reason)s). Check who is asking for children at the gate.")
            notify(recipients=leaders, kind="attendance.wrong_pickup_codes", title=title, body=body,
                   context={"by": user.name or user.username, "n": n, "code": exc.code,
                            "reason": REASONS.get(exc.reason, exc.reason)},
                   link=f"/attendance/console/{exc.school_id}/",
                   dedupe_key=f"attendance.wrong_codes:{exc.school_id}:{date.isoformat()}:{user.pk}:{n}")
    return attempt


@contextmanager
def counting_wrong_codes(*, user):
    """Around a `check` (and whatever transaction follows it): a `WrongCode` raised inside is kept
    with `record_wrong`, outside any transaction that the error rolls back, then raised again."""
    try:
        yield
    except WrongCode as exc:
        record_wrong(user=user, exc=exc)
        raise


def pickup_by_code(*, user, code: PickupCode, at=None, date: datetime.date | None = None,
                   correction_reason: str = "") -> CustodyEvent:
    """Record the pickup of the code's child by the code's adult (every rule of
    `services.custody_record` applies); the code keeps the event it served."""
    with transaction.atomic():
        event = services.custody_record(user=user, student=code.student, kind=CustodyEvent.Kind.PICKUP, at=at,
                                        date=date, guardian_id=code.guardian_id,
                                        pickup_person_id=code.pickup_person_id, correction_reason=correction_reason)
        code.used_event = event
        code.save(update_fields=["used_event"])
    return event

