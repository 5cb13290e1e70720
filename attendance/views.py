"""Pages: the teacher's rolls and the tablet roll page, the duty leader's console (pickups, patrol
log, day close), the rota, the principal's daily overview, and the parent's leave page."""
from __future__ import annotations

import datetime
import hashlib
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from accounts.services import audit_read_many
from accounts.text import join_list
from schools.models import Student, Venue
from shahe_afterschool.errors import DomainError
from shahe_afterschool.ids import parse_id, parse_ids

from . import console_cache, selectors, services
from .models import AbsenceFollowUp, CustodyEvent, DutyRota, Leave, Mark, PatrolLog


def _fail(request, exc: DomainError) -> None:
    if exc.status_code == 403:
        raise PermissionDenied(str(exc.message))
    messages.error(request, str(exc.message))


def _day(request) -> datetime.date:
    raw = request.GET.get("date") or request.POST.get("date")
    if raw:
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
    return timezone.localdate()


# --- teachers ----------------------------------------------------------------------------------
@login_required
def today(request):
    """A teacher's rolls of the day; school-wide staff also see every roll of their school."""
    day = _day(request)
    scope = scope_of(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied
    mine = list(selectors.my_rolls_today(user=request.user, date=day))
    school_rolls = []
    school_ids = sorted(scope.school_wide_ids)
    if school_ids:
        school_rolls = list(selectors.roll_list(user=request.user, date=day).filter(school_id__in=school_ids))
    counts = selectors.roll_counts([*mine, *school_rolls])
    can_create = [s for s in school_ids if s in scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL)]
    # The handover screens are for today: the teacher's homeroom classes (and each roll's card).
    is_today = day == timezone.localdate()
    handovers = selectors.handover_classes(user=request.user) if is_today else []
    return render(request, "attendance/today.html", {
        "day": day, "mine": [(r, counts[r.pk]) for r in mine],
        "school_rolls": [(r, counts[r.pk]) for r in school_rolls], "can_create": can_create,
        "handovers": handovers, "is_today": is_today,
        "timetable": selectors.day_timetable(user=request.user, date=day),
    })


@login_required
@require_POST
def generate(request):
    school = selectors.school_for_day(user=request.user, school_id=request.POST.get("school", ""))
    day = _day(request)
    try:
        rolls = services.rolls_create_on_demand(user=request.user, school=school, date=day)
        messages.success(request, ngettext("%(n)d roll for %(date)s.", "%(n)d rolls for %(date)s.", len(rolls))
                         % {"n": len(rolls), "date": day.isoformat()})
    except DomainError as exc:
        _fail(request, exc)
    return redirect(f"{reverse('attendance:today')}?date={day.isoformat()}")


@login_required
def roll(request, pk):
    """The tablet roll page. Marks go through the API (roll.js keeps them while offline); the
    submit button posts here."""
    r = selectors.roll_get_for_user(user=request.user, pk=pk, related=("venue",))
    view = selectors.roll_view(r)
    if request.method == "POST":
        try:
            services.roll_submit(roll=r, user=request.user, expected_ids={e.student.pk for e in view.entries})
            messages.success(request, _("Roll submitted."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("attendance:roll", pk=r.pk)
    initial = {str(e.student.pk): {"status": e.status,
                                   "marked_at": e.mark.marked_at.isoformat() if e.mark else ""} for e in view.entries}
    # Health notes of the children the user may read today (the teacher holding them, the principal,
    # the homeroom teacher, the rostered duty leader): shown discreetly, each read audited (one INSERT).
    shown = selectors.roll_health_notes(view, user=request.user)
    if shown:
        audit_read_many(request=request, objects=shown, object_type="schools.student", detail="health notes (roll)")
    return render(request, "attendance/roll.html", {
        "roll": r, "view": view, "initial": initial, "is_teacher": r.teacher_id == request.user.pk,
        "statuses": Mark.Status.choices,
    })


SW_ASSETS = ("vendor/bootstrap/bootstrap.min.css", "css/app.css", "vendor/bootstrap/bootstrap.bundle.min.js",
             "vendor/htmx/htmx.min.js", "js/app.js", "attendance/roll.js", "img/favicon.svg")


def _assets_version(urls: list[str]) -> str:
    """The cache's name changes whenever an asset does: hashed URLs in production, the files' sizes and
    times where the URLs carry no hash (a new roll.js must not be served from an old cache)."""
    from django.contrib.staticfiles import finders

    parts = list(urls)
    for path in SW_ASSETS:
        found = finders.find(path)
        if found:
            stat = os.stat(found)
            parts.append(f"{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


@never_cache
def service_worker(request):
    """The service worker of the attendance pages (scope /attendance/): caches the page shell so a
    roll page opens while the Wi-Fi is down. Served from here so that its scope covers the pages."""
    assets = [static(p) for p in SW_ASSETS]
    body = render_to_string("attendance/sw.js", {"assets": assets, "version": _assets_version(assets)})
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/attendance/"
    return response


# --- the duty leader ---------------------------------------------------------------------------
def _console_school(request, school_id, day):
    school = selectors.school_for_day(user=request.user, school_id=school_id)
    if not selectors.console_allowed(user=request.user, school_id=school.pk, date=day):
        raise PermissionDenied(_("The console is for the day's duty leader and the principal."))
    return school


@login_required
def my_console(request):
    if not scope_of(request.user).is_staff_member:
        raise PermissionDenied
    day = timezone.localdate()
    school_id = selectors.leader_today(user=request.user, date=day)
    if school_id is None:
        principal_of = sorted(scope_of(request.user).schools_with(Role.PRINCIPAL))
        school_id = principal_of[0] if principal_of else None
    if school_id is None:
        return render(request, "attendance/not_on_duty.html", {"day": day})
    return redirect("attendance:console", school_id=school_id)


@login_required
def console(request, school_id):
    """The duty leader's console. Its body is kept rendered in the cache until the day changes or
    the minute turns (attendance/console_cache.py); the page around it is rendered every time."""
    day = _day(request)
    school = _console_school(request, school_id, day)
    if _live_refresh(request):
        return _console_live(request, school, day)
    is_leader = services.rostered_leader(user=request.user, school_id=school.pk, date=day)
    key = console_cache.body_key(request, school_id=school.pk, date=day, is_leader=is_leader)
    cached = console_cache.get_body(key)
    if cached is None:
        context = _console_context(request, school, day, is_leader)
        html = get_template("attendance/_console_body.html").render(context)
        late_ids = [c.student.pk for c, _phones in context["late"]] if is_leader else []
        console_cache.set_body(key, html, late_ids)
    else:
        context = {}
        html = cached[0]
        late_ids = cached[1]
    if late_ids and not getattr(request, "htmx", False):
        # Guardians' phone numbers are sensitive: the duty leader's reads are audited (one INSERT),
        # from the cache or not. The 30-second htmx refresh keeps only the figures, which show no
        # phone: not a read.
        audit_read_many(request=request, objects=[Student(pk=pk) for pk in late_ids],
                        object_type="schools.student", detail="guardian phones (late pickup)")
    response = render(request, "attendance/console.html", {**context, "school": school, "day": day,
                                                           "body": mark_safe(html)})  # noqa: S308 (rendered by us)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _live_refresh(request) -> bool:
    """The open console's 30-second refresh of its figures (htmx, targeting `#console-live`)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and htmx.target == "console-live"


def _console_live(request, school, day):
    """The figures and sessions alone (`_console_live.html`): what the refresh swaps in. Computed from
    the day's state without the pickup panels (their options, plans, guardians and deliveries), kept
    per day version and minute for every reader of the day (it shows no form and no phone number)."""
    def compute():
        state = selectors.day_state(school=school, date=day, figures_only=True)
        return render_to_string("attendance/_console_live.html", {"request": request, "state": state})

    response = HttpResponse(console_cache.live_html(request, school_id=school.pk, date=day, compute=compute))
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _console_context(request, school, day, is_leader) -> dict:
    state = selectors.day_state(school=school, date=day, with_guardians=True)
    held_ids = [c.student.pk for c in state.held]
    options = selectors.pickup_options(school=school, date=day, student_ids=held_ids)
    plans = selectors.pickup_plans(date=day, student_ids=held_ids, options=options)
    late = [(c, selectors.guardian_phones(c, full=is_leader)) for c in state.late_pickups]
    absences = state.absent_children
    contacts = selectors.guardians_of([s.pk for s in state.absences_open])
    # Whether the notices of absences and refused pickups reached each guardian, and by which
    # channel (one query for all, also on a day without any).
    reached = selectors.day_deliveries(state)
    departures = selectors.departure_board(date=day, held=state.held, plans=plans)
    return {
        "request": request, "csrf_token": get_token(request),
        "school": school, "day": day, "state": state, "is_leader": is_leader, "late": late,
        "departures": departures,
        "held": [(c, options.get(c.student.pk, []), plans[c.student.pk])
                 for c in sorted(state.held, key=lambda c: c.student.name_pinyin)],
        "absences": [(s, state.follow_ups.get(s.pk), contacts.get(s.pk, []), reached.absences.get(s.pk, []))
                     for s in absences],
        "refusals": [(r, reached.refusals.get(r.pk, [])) for r in state.refusals],
        "outcomes": AbsenceFollowUp.Outcome.choices,
        "venues": Venue.objects.filter(school=school, active=True),
    }


def _back(school, day):
    return redirect(f"{reverse('attendance:console', args=[school.pk])}?date={day.isoformat()}")


def _chosen(student, options, plan, who: str):
    """The adult (a `PickupOption`) or "alone" the console's button named, or None."""
    if who == "alone":
        return "alone" if plan.alone else None
    return next((o for o in options if o.value == who), None)


@login_required
def pickup(request, school_id):
    """One tap on an adult's button (GET) shows a confirm naming the child and the adult; the
    confirm (POST) records the pickup. No adult chosen is no pickup (the form has no default)."""
    day = _day(request)
    school = _console_school(request, school_id, day)
    data = request.POST if request.method == "POST" else request.GET
    student = get_for_user(Student.objects.filter(school=school), request.user, data.get("student", ""))
    who = data.get("person", "")
    if request.method != "POST":
        options = selectors.pickup_options(school=school, date=day, student_ids=[student.pk])[student.pk]
        plan = selectors.pickup_plans(date=day, student_ids=[student.pk], options={student.pk: options})[student.pk]
        chosen = _chosen(student, options, plan, who)
        if chosen is None:
            messages.error(request, _("Choose the adult collecting %(child)s from the list.") % {"child": student.name})
            return _back(school, day)
        return render(request, "attendance/pickup_confirm.html", {
            "school": school, "day": day, "student": student, "chosen": chosen, "person": who, "plan": plan})
    guardian_id = person_id = None
    kind = CustodyEvent.Kind.PICKUP
    if who == "alone":
        kind = CustodyEvent.Kind.FLEXIBLE_DEPARTURE
    elif who.startswith("guardian:"):
        guardian_id = parse_id(who[9:])
    elif who.startswith("person:"):
        person_id = parse_id(who[7:])
    try:
        event = services.custody_record(user=request.user, student=student, date=day, kind=kind,
                                        guardian_id=guardian_id, pickup_person_id=person_id)
        if kind == CustodyEvent.Kind.PICKUP:
            messages.success(request, _("%(child)s released to %(person)s.") % {"child": student.name,
                                                                               "person": event.to_name})
        else:
            messages.success(request, _("%(child)s left alone.") % {"child": student.name})
    except DomainError as exc:
        _fail(request, exc)
    return _back(school, day)


@login_required
@require_POST
def refuse(request, school_id):
    """The explicit refusal: someone not on the child's list came; recorded with the name."""
    day = _day(request)
    school = _console_school(request, school_id, day)
    student = get_for_user(Student.objects.filter(school=school), request.user, request.POST.get("student", ""))
    try:
        refusal = services.pickup_refusal_record(user=request.user, student=student,
                                                 person=request.POST.get("person", ""))
        messages.warning(request, _("Refusal recorded: %(person)s may not take %(child)s. The duty leader and the "
                                    "guardians have been alerted.") % {"person": refusal.person, "child": student.name})
    except DomainError as exc:
        _fail(request, exc)
    return _back(school, day)


@login_required
@require_POST
def follow_up(request, school_id):
    """A follow-up of an absence without leave, from the console."""
    from django.contrib.auth import get_user_model

    day = _day(request)
    school = _console_school(request, school_id, day)
    student = get_for_user(Student.objects.filter(school=school), request.user, request.POST.get("student", ""))
    contacted = get_user_model().objects.filter(pk=parse_id(request.POST.get("contacted")) or 0).first()
    try:
        services.absence_follow_up_record(user=request.user, student=student, date=day, contacted=contacted,
                                          outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""))
        messages.success(request, _("Follow-up recorded for %(child)s.") % {"child": student.name})
    except DomainError as exc:
        _fail(request, exc)
    return _back(school, day)


@login_required
def close_day(request, school_id):
    """GET: the confirm, listing the day's figures (only when nothing blocks the close); POST: close."""
    day = _day(request)
    school = _console_school(request, school_id, day)
    if request.method != "POST":
        state = selectors.day_state(school=school, date=day)
        if not state.can_close:
            blocked = services.day_close_blockers(state)
            if blocked:  # (a closed day has nothing to say: the console shows who closed it)
                messages.error(request, _close_refusal(blocked))
            return _back(school, day)
        return render(request, "attendance/close_confirm.html", {
            "school": school, "day": day, "state": state, "figures": selectors.day_figures(state)})
    try:
        services.day_close(user=request.user, school=school, date=day)
        messages.success(request, _("The day is closed: every child is accounted for."))
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(str(exc.message)) from exc
        messages.error(request, _close_refusal(exc))
    return _back(school, day)


def _close_refusal(exc: DomainError) -> str:
    """The refused close in words: the reasons, then the children they name."""
    names = join_list(c["name"] for c in [*exc.extra.get("children", []), *exc.extra.get("absences", [])])
    return f"{exc.message} {names}"


@login_required
def patrol(request, school_id):
    day = timezone.localdate()
    school = _console_school(request, school_id, day)
    if request.method == "POST":
        venue = Venue.objects.filter(school=school, pk=parse_id(request.POST.get("venue")) or 0).first()
        try:
            services.patrol_record(user=request.user, school=school, note=request.POST.get("note", ""),
                                   place=request.POST.get("place", ""), venue=venue)
            messages.success(request, _("Patrol note saved."))
        except DomainError as exc:
            _fail(request, exc)
        return redirect("attendance:patrol", school_id=school.pk)
    logs = PatrolLog.objects.filter(school=school, date=day).select_related("venue", "recorded_by")
    return render(request, "attendance/patrol.html", {
        "school": school, "day": day, "logs": logs, "venues": Venue.objects.filter(school=school, active=True)})


@login_required
def rota(request, school_id):
    """The school's duty rota for the next four weeks; the principal sets it."""
    school = selectors.school_for_day(user=request.user, school_id=school_id)
    scope = scope_of(request.user)
    is_principal = scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)
    if not (is_principal or school.pk in scope.schools_with(Role.DUTY_LEADER)):
        raise PermissionDenied
    leaders = selectors.staff_of_school(school, Role.DUTY_LEADER)
    if request.method == "POST":
        if not is_principal:
            raise PermissionDenied
        leader = leaders.filter(pk=parse_id(request.POST.get("leader")) or 0).first()
        if leader is None:
            messages.error(request, _("Choose a duty leader."))
        else:
            teachers = selectors.staff_of_school(school, Role.TEACHER).filter(
                pk__in=parse_ids(request.POST.getlist("teachers")))
            try:
                services.rota_set(user=request.user, school=school, date=_day(request), leader=leader,
                                  teachers=teachers)
                messages.success(request, _("Rota saved."))
            except DomainError as exc:
                _fail(request, exc)
        return redirect("attendance:rota", school_id=school.pk)
    start = timezone.localdate()
    rows = (DutyRota.objects.filter(school=school, date__gte=start,
                                              date__lt=start + datetime.timedelta(days=28))
            .select_related("leader").prefetch_related("teachers").order_by("date"))
    return render(request, "attendance/rota.html", {
        "school": school, "rows": rows, "is_principal": is_principal, "leaders": leaders,
        "teachers": selectors.staff_of_school(school, Role.TEACHER), "today": start})


@login_required
def overview(request, school_id):
    """The principal's daily overview: rolls, absences, custody exceptions, patrol notes, incidents."""
    school = selectors.school_for_day(user=request.user, school_id=school_id)
    scope = scope_of(request.user)
    if not (scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL)):
        raise PermissionDenied
    day = _day(request)
    data = selectors.overview(user=request.user, school=school, date=day)
    return render(request, "attendance/overview.html", {"school": school, "day": day, **data})


# --- parents -----------------------------------------------------------------------------------
@login_required
def leave(request):
    """请假: a guardian reports a child absent for a date in advance."""
    children = selectors.guardian_leaves(user=request.user)
    if not children and not scope_of(request.user).has_role(Role.PARENT):
        raise PermissionDenied
    if request.method == "POST":
        child = next((c for c in children if str(c.pk) == request.POST.get("student")), None)
        if child is None:
            raise Http404
        try:
            day = datetime.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
            return redirect("attendance:leave")
        try:
            services.leave_report(by=request.user, student=child, date=day, reason=request.POST.get("reason", ""))
            messages.success(request, _("Leave reported for %(child)s on %(date)s.")
                             % {"child": child.name, "date": day.isoformat()})
        except DomainError as exc:
            _fail(request, exc)
        return redirect("attendance:leave")
    return render(request, "attendance/leave.html", {"children": children, "today": timezone.localdate()})


@login_required
@require_POST
def leave_cancel(request, pk):
    item = get_for_user(Leave.objects.all(), request.user, pk)
    try:
        services.leave_cancel(by=request.user, leave=item)
        messages.success(request, _("Leave cancelled."))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("attendance:leave")



# --- handovers on the tablet -------------------------------------------------------------------
@login_required
def handover(request, source, pk):
    """One screen per handover: the children of a homeroom class or of a roll of today, ticked
    (those who cannot be handed over are shown, unticked, with the reason), the receiving teacher
    (the school's teachers only), confirm. GET `?to=roll:<id>|colleague` chooses where they go."""
    if source not in selectors.HANDOVER_SOURCES:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    target_key = data.get("to", "")
    status = 200
    chosen_teacher = None
    if request.method == "POST":
        chosen_teacher = parse_id(request.POST.get("to_teacher"))
        try:
            events = services.handover_record(user=request.user, source_kind=source, source_pk=pk,
                                              target_key=target_key, to_teacher=request.POST.get("to_teacher"),
                                              student_ids=request.POST.getlist("student"))
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from exc
            messages.error(request, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, ngettext(
                "%(n)d child handed over to %(teacher)s.", "%(n)d children handed over to %(teacher)s.",
                len(events)) % {"n": len(events), "teacher": events[0].to_name})
            return redirect("attendance:today")
    screen = selectors.handover_screen(user=request.user, source_kind=source, pk=pk, target_key=target_key)
    if chosen_teacher is None and screen.target is not None:
        chosen_teacher = screen.target.teacher_id
    ticked = None
    if request.method == "POST":
        ticked = set(parse_ids(request.POST.getlist("student")))
    return render(request, "attendance/handover.html", {
        "screen": screen, "chosen_teacher": chosen_teacher, "ticked": ticked}, status=status)


# --- departure slots ---------------------------------------------------------------------------
@login_required
def departure_slots(request, school_id):
    """The principal sets the school's departure slots (弹性离校时段) of the current term (or
    `?term=`); the guardians choose among them."""
    from schools.models import Term
    from schools.selectors import school_admin_get

    school = school_admin_get(user=request.user, pk=school_id)
    terms = list(Term.objects.filter(end_date__gte=timezone.localdate()).order_by("start_date"))
    term = next((t for t in terms if t.pk == parse_id(request.GET.get("term") or request.POST.get("term"))), None)
    term = term or Term.current() or (terms[0] if terms else None)
    status = 200
    values = None
    if request.method == "POST" and term is not None:
        values = list(request.POST.getlist("slot"))
        try:
            slots = services.departure_slots_set(user=request.user, school=school, term=term, times=values)
            messages.success(request, _("Departure slots of %(term)s saved: %(slots)s.")
                             % {"term": term.name, "slots": join_list(t.strftime("%H:%M") for t in slots)})
            return redirect(f"{reverse('attendance:departure_slots', args=[school.pk])}?term={term.pk}")
        except DomainError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(str(exc.message)) from exc
            messages.error(request, str(exc.message))
            status = exc.status_code
    current = selectors.departure_slots(school_id=school.pk, term_id=term.pk) if term else []
    if values is None:
        values = [t.strftime("%H:%M") for t in current]
    rows = [*values, *[""] * max(2, 4 - len(values))][:services.MAX_DEPARTURE_SLOTS + 2]
    window = services.departure_slot_window(school=school, term=term) if term else (None, None)
    return render(request, "attendance/departure_slots.html", {
        "school": school, "term": term, "terms": terms, "rows": rows, "current": current,
        "defaults": selectors.DEFAULT_DEPARTURE_SLOTS, "window": window}, status=status)
