"""Pages of the pickup code (接送码, issue 18 item 2): the guardian's code page (a phone), and the
duty leader's code entry and confirm (a tablet). Rules in `attendance.pickup_codes`."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from shahe_afterschool.errors import DomainError
from shahe_afterschool.ids import parse_id

from . import pickup_codes, selectors
from .views import _back, _console_school, _fail


def _code_view(code, label: str) -> dict:
    return {"code": code, "qr": mark_safe(pickup_codes.qr_svg(code.code, label=label))}  # noqa: S308 - built by ElementTree, attributes escaped


# --- the guardian ------------------------------------------------------------------------------
@never_cache
@login_required
def pickup_code(request, student_id):
    """Today's pickup code of one of the guardian's children (digits and QR), and the codes sent to
    the child's authorised pickup persons. POST `person`: send (issue) a code to that person."""
    from enrollment.models import AuthorisedPickupPerson

    child = pickup_codes.guardian_child(user=request.user, student_id=student_id)
    persons = list(AuthorisedPickupPerson.objects.active().filter(student=child).order_by("name", "pk"))
    if request.method == "POST":
        person = next((p for p in persons if p.pk == parse_id(request.POST.get("person"))), None)
        if person is None:
            raise Http404
        try:
            pickup_codes.issue(user=request.user, student=child, pickup_person=person)
            messages.success(request, _("A pickup code for %(person)s is ready: forward the text below.")
                             % {"person": person.name})
        except DomainError as exc:
            _fail(request, exc)
        return redirect(f"{reverse('attendance:pickup_code', args=[child.pk])}#person-{person.pk}")
    today = timezone.localdate()
    own, own_error = None, ""
    try:
        code = pickup_codes.issue(user=request.user, student=child)
        own = _code_view(code, _("Pickup code %(code)s of %(child)s") % {"code": code.code, "child": child.name})
    except DomainError as exc:
        own_error = str(exc.message)
    sent = pickup_codes.codes_for_person(student=child, person_ids=[p.pk for p in persons], date=today)
    rows = []
    for p in persons:
        code = sent.get(p.pk)
        if code is not None:
            code.student, code.pickup_person, code.school = child, p, child.school
        rows.append((p, code, pickup_codes.share_text(code) if code else ""))
    return render(request, "attendance/pickup_code.html", {
        "child": child, "own": own, "own_error": own_error, "rows": rows, "today": today,
        "today_words": pickup_codes.day_words(today)})


# --- the duty leader ---------------------------------------------------------------------------
@login_required
def code_entry(request, school_id):
    """GET: type (or scan) a code. POST: the code is checked and a confirm names the child and the
    adult the code belongs to; POST with `confirm`: the pickup is recorded. A wrong code answers
    400/409 on this page naming what is wrong, and is counted (`pickup_codes.counting_wrong_codes`)."""
    day = timezone.localdate()
    school = _console_school(request, school_id, day)
    context = {"school": school, "day": day}
    if request.method != "POST":
        return render(request, "attendance/pickup_code_entry.html", context)
    raw = request.POST.get("code", "")
    confirming = bool(request.POST.get("confirm"))
    try:
        with pickup_codes.counting_wrong_codes(user=request.user):
            try:
                code = pickup_codes.check(user=request.user, raw=raw, school=school)
            except pickup_codes.WrongCode as exc:
                if confirming and exc.reason == "already released" and exc.pickup_code.used_event_id:
                    # a second tap on the confirm: the pickup is recorded, nothing wrong to count
                    messages.error(request, str(exc.message))
                    return _back(school, day)
                raise
    except DomainError as exc:
        if exc.status_code == 403:
            _fail(request, exc)
        context.update(error=str(exc.message), typed=raw[:16])
        return render(request, "attendance/pickup_code_entry.html", context, status=exc.status_code)
    if confirming:
        try:
            event = pickup_codes.pickup_by_code(user=request.user, code=code)
            messages.success(request, _("%(child)s released to %(person)s.") % {"child": code.student.name,
                                                                               "person": event.to_name})
        except DomainError as exc:
            _fail(request, exc)
        return _back(school, day)
    options = selectors.pickup_options(school=school, date=day, student_ids=[code.student_id])
    plan = selectors.pickup_plans(date=day, student_ids=[code.student_id], options=options)[code.student_id]
    name, relation, phone = pickup_codes.adult_of(code)
    return render(request, "attendance/pickup_code_confirm.html", {
        **context, "code": code, "student": code.student, "adult": {"name": name, "relation": relation,
                                                                    "phone": phone}, "plan": plan})
