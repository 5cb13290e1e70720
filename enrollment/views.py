"""Pages: the parent's (phone-first), the homeroom teacher's queue, the offices' groups."""
from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.privacy import mask_phone
from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from accounts.services import audit_read_many
from accounts.text import join_list
from privacy.services import consent_given
from schools.models import School, Student, Term, Venue
from schools.selectors import health_notes_shown
from shahe_afterschool.errors import DomainError
from shahe_afterschool.fragments import csrf_secret
from shahe_afterschool.ids import parse_id
from shahe_afterschool.paging import page_of

from . import selectors, services
from .forms import (
    ApplicationForm,
    GroupEditForm,
    GroupForm,
    LetterForm,
    MoveForm,
    PickupPersonForm,
    TeacherForm,
    unbound_form_html,
)
from .models import Application, AuthorisedPickupPerson, ParentLetter, Placement, PriorityClaim, ServiceGroup

OFFICE_ROLES = (Role.MORAL_ED, Role.ACADEMIC, Role.PRINCIPAL)


def _fail(request, exc: DomainError) -> None:
    """A refused action: 403 when the user may not do it, else the message on the page."""
    if exc.status_code == 403:
        raise PermissionDenied(str(exc.message))
    messages.error(request, str(exc.message))


def _own_child(user, student_id) -> Student:
    child = (Student.objects.filter(pk=student_id, guardianships__guardian=user, guardianships__active=True)
             .select_related("school").first())
    if child is None:
        raise Http404
    return child


def _audit_claims(request, claims) -> None:
    if claims:
        audit_read_many(request=request, objects=claims, object_type="enrollment.priorityclaim",
                        detail="priority claim details")


# --- parent ----------------------------------------------------------------------------------
@login_required
def parent_home(request: HttpRequest) -> HttpResponse:
    term = Term.current()
    rows = selectors.parent_overview(user=request.user, term=term)
    apps = [r["application"] for r in rows if r["application"]]
    _audit_claims(request, [c for a in apps for c in a.claims.all()])
    for row in rows:
        app = row["application"]
        row["explanation"] = selectors.explanation_text(app, show_priority=True) if app else ""
        row["pickup_masked"] = [(p.name, p.relation_label, mask_phone(p.phone))
                                for p in row["child"].active_pickup_persons]
    return render(request, "enrollment/parent_home.html", {"rows": rows, "term": term})


@login_required
def letter_read(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_for_user(ParentLetter.objects.select_related("school", "term"), request.user, pk)
    current = ParentLetter.objects.current_for(school=letter.school, term=letter.term)
    student_id = parse_id(request.GET.get("student") or request.POST.get("student"))
    if request.method == "POST":
        try:
            services.letter_acknowledge(letter=letter, guardian=request.user)
        except DomainError as exc:
            _fail(request, exc)
            return redirect("enrollment:letter", pk=current.pk)
        messages.success(request, _("Thank you: you have acknowledged the letter."))
        if student_id:
            return redirect("enrollment:apply", student_id=student_id)
        return redirect("enrollment:parent_home")
    acknowledged = letter.acknowledgements.filter(guardian=request.user).exists()
    return render(request, "enrollment/letter.html", {
        "letter": letter, "is_current": current.pk == letter.pk, "current": current,
        "acknowledged": acknowledged, "student_id": student_id or ""})


@login_required
def apply(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _own_child(request.user, student_id)
    term = Term.current()
    letter = selectors.letter_for_applying(child=child, term=term, guardian=request.user) if term else None
    if letter is None:
        messages.error(request, _("The school has not published its letter to parents for this term yet."))
        return redirect("enrollment:parent_home")
    if letter.child_has_open_application:
        messages.info(request, _("%(child)s already has an application for this term.") % {"child": child.name})
        return redirect("enrollment:parent_home")
    if not letter.acknowledged:
        return redirect(reverse("enrollment:letter", args=[letter.pk]) + f"?student={child.pk}")
    from attendance.selectors import departure_choices

    times = departure_choices(school_id=child.school_id, term_id=term.pk)  # the school's departure slots
    pickup_people = list(AuthorisedPickupPerson.objects.active().filter(student=child))
    # Shown blank, the form is the unbound one's HTML kept per process (`unbound_form_html`): no form
    # object is built for it, only for what a guardian sent.
    form = (ApplicationForm(request.POST, departure_times=times, has_pickup_persons=bool(pickup_people))
            if request.POST else None)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        note = data["priority_note"]
        try:
            services.application_submit(
                by=request.user, student=child, term=term, sessions=data["sessions"], weekdays=data["weekdays"],
                letter=letter, pickup_plan=data["pickup_plan"], departure_time=data["departure_time"],
                priority_claims=[(g, note) for g in data["priority_groups"]],
                new_pickup_person=data["new_pickup_person"])
        except DomainError as exc:
            _fail(request, exc)
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, str(exc.message))
        else:
            messages.success(request, _("The application for %(child)s was sent to the homeroom teacher.")
                             % {"child": child.name})
            return redirect("enrollment:parent_home")
    return render(request, "enrollment/apply.html", {
        "form": form, "form_html": unbound_form_html(ApplicationForm, departure_times=times) if form is None else None,
        "child": child, "letter": letter, "term": term, "consent_ok": consent_given(child, request.user),
        "pickup_on_file": join_list(_("%(name)s (%(relation)s)") % {"name": p.name, "relation": p.relation_label}
                                    for p in pickup_people)})


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get_for_user(user=request.user, pk=pk)
    show = selectors.claims_visible(user=request.user, application=app)
    if show:
        _audit_claims(request, list(app.claims.all()))
    # The child's health note, for whom may read it today (schools.selectors.health_notes_visible).
    health_note = health_notes_shown(request.user, [app.student]).get(app.student_id, "")
    if health_note:
        audit_read_many(request=request, objects=[app.student], object_type="schools.student",
                        detail="health notes (application)")
    transitions = list(app.transitions.select_related("by"))
    return render(request, "enrollment/application_detail.html", {
        "app": app, "show_claims": show, "explanation": selectors.explanation_text(app, show_priority=show),
        "health_note": health_note, "transitions": transitions,
        "progress": selectors.application_steps(app, transitions),
        "is_guardian": app.student_id in selectors.guarded_student_ids(request.user)})


@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤回报名 (before a seat) / 申请退出课后服务 (with one): a page that says what follows, then
    the POST that does it. Only the child's guardian withdraws (403 for staff who see it)."""
    app = selectors.application_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            services.application_withdraw(application=app, by=request.user, reason=request.POST.get("reason", ""))
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("The application for %(child)s was withdrawn.") % {"child": app.student.name}
                             if app.status != Application.Status.PLACED else
                             _("%(child)s has left the after-school service.") % {"child": app.student.name})
        return redirect("enrollment:parent_home")
    if app.student_id not in selectors.guarded_student_ids(request.user):
        raise PermissionDenied
    if not app.is_open:
        messages.info(request, _("This application is already “%(s)s”.") % {"s": app.status_label})
        return redirect("enrollment:application", pk=app.pk)
    return render(request, "enrollment/withdraw_confirm.html", {
        "app": app, "groups": join_list(p.group.name for p in app.active_placements)})


@login_required
def pickup_persons(request: HttpRequest, student_id: int) -> HttpResponse:
    child = _own_child(request.user, student_id)
    form = PickupPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            d = form.cleaned_data
            services.pickup_person_add(student=child, by=request.user, name=d["name"], relation=d["relation"],
                                       phone=d["phone"])
        except DomainError as exc:
            _fail(request, exc)
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Added."))
            return redirect("enrollment:pickup_persons", student_id=child.pk)
    people = [(p, mask_phone(p.phone)) for p in AuthorisedPickupPerson.objects.active().filter(student=child)]
    return render(request, "enrollment/pickup_persons.html", {"child": child, "people": people, "form": form})


@login_required
@require_POST
def pickup_person_end(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_for_user(AuthorisedPickupPerson.objects.select_related("student"), request.user, pk)
    try:
        services.pickup_person_end(person=person, by=request.user)
    except DomainError as exc:
        _fail(request, exc)
    return redirect("enrollment:pickup_persons", student_id=person.student_id)


# --- homeroom teacher --------------------------------------------------------------------------
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.homeroom_class_ids and not scope.is_admin:
        raise PermissionDenied
    page = page_of(selectors.homeroom_queue(user=request.user), selectors.QUEUE_PAGE_SIZE, request.GET.get("page"))
    apps = selectors.with_claim_lists(list(page))
    _audit_claims(request, [c for a in apps for c in a.claim_list])
    pending = [a for a in apps if a.status == Application.Status.SUBMITTED]
    others = [a for a in apps if a.status != Application.Status.SUBMITTED]
    return render(request, "enrollment/queue.html", {"pending": pending, "others": others, "page": page,
                                                     "body_key": _queue_body_key(request, page, apps)})


def _queue_body_key(request, page, apps) -> str:
    """What the queue's cards and table show, as a digest: the template keeps their rendering
    (`{% cache %}`) under it, so a page read again with nothing changed is not rendered again, and
    any change to what it shows (a status, a claim, a name, the page) is a new key. Neither a version
    to bump nor a write to hook: the key is the data. It also names the reader's CSRF secret (the
    forms hold tokens), the language, the time zone (the dates) and the path (the pager's links)."""
    parts = [get_language() or "", get_current_timezone_name(), request.get_full_path(), csrf_secret(request),
             page.number, page.paginator.count]
    for a in apps:
        parts.append((a.pk, a.status, a.sessions, a.weekdays, a.pickup_plan, a.submitted_at.isoformat() if a.submitted_at
                      else "", a.has_verified_priority, a.waitlist_position, a.student.name,
                      a.student.homeroom_class.name if a.student.homeroom_class else "",
                      [(c.pk, c.group, c.note, c.status) for c in a.claim_list]))
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    app = selectors.application_get_for_user(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    try:
        services.application_review(application=app, by=request.user, decision=decision,
                                    reason=request.POST.get("reason", ""))
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Approved.") if decision == "approve" else _("Rejected."))
    return redirect("enrollment:queue")


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = PriorityClaim.objects.filter(
        pk=pk, application__in=Application.objects.visible_to(request.user)).select_related(
        "application__student").first()
    if claim is None or not selectors.claims_visible(user=request.user, application=claim.application):
        raise Http404
    try:
        services.claim_decide(claim=claim, by=request.user, verified=request.POST.get("verified") == "1")
    except DomainError as exc:
        _fail(request, exc)
    return redirect("enrollment:queue")


# --- offices -----------------------------------------------------------------------------------
def _office_school(request) -> School:
    scope = scope_of(request.user)
    ids = sorted(scope.schools_with(*OFFICE_ROLES))
    wanted = parse_id(request.GET.get("school") or request.POST.get("school"))
    if wanted and (wanted in ids or scope.is_admin):
        ids = [wanted]
    if not ids:
        raise PermissionDenied
    school = School.objects.filter(pk=ids[0]).first()
    if school is None:  # an administrator asking for a school that does not exist
        raise Http404
    return school


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    school = _office_school(request)
    term = Term.current()
    scope = scope_of(request.user)
    rows = list(selectors.group_list(user=request.user, school_id=school.pk, term_id=term.pk if term else None))
    counts = selectors.school_status_counts(school_id=school.pk, term_id=term.pk if term else None)
    claim_counts = selectors.priority_claim_counts(school_ids=[school.pk], term_id=term.pk if term else None)
    from .models import PriorityGroup

    return render(request, "enrollment/groups.html", {
        "school": school, "term": term, "groups": rows,
        "status_counts": [(label, counts.get(value, 0)) for value, label in Application.Status.choices],
        "claim_counts": [(label, claim_counts.get(value, {})) for value, label in PriorityGroup.choices],
        "can_form": scope.is_admin or school.pk in scope.schools_with(Role.MORAL_ED, Role.PRINCIPAL),
    })


@login_required
def letter_publish(request: HttpRequest) -> HttpResponse:
    """The principal or the moral-education office publishes a new version of the letter."""
    school = _office_school(request)
    scope = scope_of(request.user)
    if not (scope.is_admin or school.pk in scope.schools_with(Role.MORAL_ED, Role.PRINCIPAL)):
        raise PermissionDenied
    term = Term.current()
    current = ParentLetter.objects.current_for(school=school, term=term) if term else None
    initial = {f: getattr(current, f) for f in LetterForm.base_fields} if current else {}
    form = LetterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.letter_publish(school=school, term=term, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Version %(v)s of the letter is published; parents acknowledge it again.")
                             % {"v": letter.version})
            return redirect("enrollment:letter", pk=letter.pk)
    return render(request, "enrollment/letter_form.html", {"form": form, "school": school, "term": term,
                                                           "current": current})


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    school = _office_school(request)
    term = Term.current()
    venues = Venue.objects.filter(school=school, active=True)
    form = GroupForm(request.POST or None, venues=venues)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            group = services.service_group_create(
                school=school, term=term, by=request.user, name=d["name"], session=d["session"],
                grade_from=d["grade_from"], grade_to=d["grade_to"], weekdays=d["weekdays"], capacity=d["capacity"],
                venue=d["venue"])
        except DomainError as exc:
            _fail(request, exc)
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Group %(name)s formed.") % {"name": group.name})
            return redirect("enrollment:group", pk=group.pk)
    return render(request, "enrollment/group_form.html", {"form": form, "school": school, "term": term})


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(user=request.user, pk=pk)
    scope = scope_of(request.user)
    if not (scope.is_admin or group.school_id in scope.schools_with(*OFFICE_ROLES)):
        raise PermissionDenied
    venues = Venue.objects.filter(school_id=group.school_id, active=True)
    edit = GroupEditForm(request.POST or None, venues=venues,
                         initial={"name": group.name, "capacity": group.capacity, "venue": group.venue_id})
    if request.method == "POST" and edit.is_valid():
        try:
            services.service_group_update(group=group, by=request.user, name=edit.cleaned_data["name"],
                                          capacity=edit.cleaned_data["capacity"], venue=edit.cleaned_data["venue"])
        except DomainError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Saved."))
        return redirect("enrollment:group", pk=group.pk)
    placements = list(Placement.objects.filter(group=group, active=True)
                      .select_related("application__student__homeroom_class__grade").order_by("placed_at", "id"))
    targets = selectors.move_targets(group=group, placements=placements)
    for p in placements:
        p.move_fits, p.move_others = targets[p.pk]["fits"], targets[p.pk]["others"]
    teachers = get_user_model().objects.filter(pk__in=services._school_teacher_ids(group.school_id)).order_by("name")
    return render(request, "enrollment/group_detail.html", {
        "group": group, "edit_form": edit, "placements": placements,
        "teacher_form": TeacherForm(teachers=teachers, initial={"teacher": group.teacher_id}),
        "can_form": scope.is_admin or group.school_id in scope.schools_with(Role.MORAL_ED, Role.PRINCIPAL),
        "can_assign": scope.is_admin or group.school_id in scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL),
    })


@login_required
@require_POST
def group_close(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(user=request.user, pk=pk)
    try:
        services.service_group_close(group=group, by=request.user)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Group closed."))
    return redirect("enrollment:group", pk=group.pk)


@login_required
@require_POST
def group_teacher(request: HttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_user(user=request.user, pk=pk)
    teachers = get_user_model().objects.filter(pk__in=services._school_teacher_ids(group.school_id))
    form = TeacherForm(request.POST, teachers=teachers)
    if not form.is_valid():
        messages.error(request, _("Choose a teacher of this school."))
        return redirect("enrollment:group", pk=group.pk)
    try:
        services.service_group_assign_teacher(group=group, teacher=form.cleaned_data["teacher"], by=request.user)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Teacher assigned."))
    return redirect("enrollment:group", pk=group.pk)


@login_required
@require_POST
def placement_move(request: HttpRequest, pk: int) -> HttpResponse:
    placement = Placement.objects.visible_to(request.user).select_related("group").filter(pk=pk).first()
    if placement is None:
        raise Http404
    others = ServiceGroup.objects.filter(school_id=placement.group.school_id, term_id=placement.group.term_id)
    form = MoveForm(request.POST, groups=others)
    if not form.is_valid():
        messages.error(request, _("Choose a group and give a reason."))
        return redirect("enrollment:group", pk=placement.group_id)
    try:
        services.placement_move(placement=placement, to_group=form.cleaned_data["to_group"], by=request.user,
                                reason=form.cleaned_data["reason"])
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Moved."))
    return redirect("enrollment:group", pk=placement.group_id)


@login_required
@require_POST
def allocate(request: HttpRequest) -> HttpResponse:
    school = _office_school(request)
    term = Term.current()
    try:
        result = services.allocation_run(school=school, term=term, by=request.user)
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Allocation done: %(placed)s placed, %(waitlisted)s newly waitlisted.") % result)
    return redirect(reverse("enrollment:groups") + f"?school={school.pk}")
