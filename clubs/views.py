"""Pages of the clubs app: thin, they parse input and call services and selectors."""
from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from schools.models import School, Student, Term, Venue
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import csv_response, xlsx_response
from shahe_afterschool.ids import parse_id

from . import allocation, selectors, services
from .forms import ChoiceWindowForm, ClubForm, ClubTypeForm, ReturnForm, ServicePlanForm, SlotFormSet
from .models import ClubCategory, ClubChoice, ReviewStatus, Weekday

PER_PAGE_LIMIT = 500


def _term(request) -> Term:
    term_id = request.GET.get("term") or request.POST.get("term")
    term = Term.objects.filter(pk=parse_id(term_id)).first() if parse_id(term_id) else None
    term = term or Term.current()
    if term is None:
        raise Http404
    return term


def _school(request, *, required=True) -> School | None:
    """The school a staff page is about: `?school=`, else the user's own (first) school."""
    raw = request.GET.get("school") or request.POST.get("school")
    if raw:
        return selectors.school_get_for_staff(user=request.user, pk=raw)
    ids = sorted(scope_of(request.user).staff_school_ids)
    if ids:
        return School.objects.get(pk=ids[0])
    if required:
        visible = School.objects.visible_to(request.user).order_by("code").first()
        if visible and scope_of(request.user).is_staff_member:
            return visible
        raise Http404
    return None


def _staff_only(request):
    if not scope_of(request.user).is_staff_member:
        raise Http404


def _fail(request, exc: DomainError):
    messages.error(request, exc.message)


# --- clubs ------------------------------------------------------------------------------------
@login_required
def club_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    category = (request.GET.get("category") or "").strip()[:32] or None
    status = request.GET.get("status") if request.GET.get("status") in ReviewStatus.values else None
    clubs = list(selectors.club_list(user=request.user, school_id=school.pk, category=category, status=status,
                                     term=term)[:PER_PAGE_LIMIT])
    return render(request, "clubs/club_list.html", {
        "school": school, "term": term, "clubs": clubs, "categories": selectors.categories(),
        "category": category, "status": status, "statuses": ReviewStatus.choices,
        "can_edit": services.can_edit_school(request.user, school.pk),
    })


def _club_form_context(request, school):
    return {"teachers": selectors.school_teachers(school=school),
            "venues": Venue.objects.visible_to(request.user).filter(school=school, active=True)}


@login_required
def club_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    if not services.can_edit_school(request.user, school.pk):
        raise PermissionDenied
    return _club_form(request, school=school, term=term, club=None)


@login_required
def club_edit(request: HttpRequest, pk: int) -> HttpResponse:
    club = selectors.club_get_for_user(user=request.user, pk=pk)
    if not services.can_edit_school(request.user, club.school_id):
        raise PermissionDenied
    if not club.is_editable:
        messages.error(request, _("A submitted or approved club cannot be changed."))
        return redirect("clubs:detail", pk=club.pk)
    return _club_form(request, school=club.school, term=club.term, club=club)


def _club_form(request, *, school, term, club):
    ctx = _club_form_context(request, school)
    if request.method == "POST":
        form = ClubForm(request.POST, instance=club, school=school, **ctx)
        slots = SlotFormSet(request.POST, prefix="slots")
        if form.is_valid() and slots.is_valid():
            rows = [(s["weekday"], s["start"], s["end"]) for s in slots.cleaned_data if s.get("weekday")]
            data = {k: form.cleaned_data[k] for k in form.cleaned_data if k != "teachers"}
            try:
                if club is None:
                    club = services.club_create(user=request.user, school=school, term=term,
                                                teachers=list(form.cleaned_data["teachers"]), slots=rows, **data)
                else:
                    services.club_update(user=request.user, club=club, teachers=list(form.cleaned_data["teachers"]),
                                         slots=rows, **data)
                messages.success(request, _("The club was saved."))
                return redirect("clubs:detail", pk=club.pk)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:
        form = ClubForm(instance=club, school=school, **ctx,
                        initial={"teachers": list(club.teachers.all())} if club else None)
        initial = [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in club.slots.all()] if club else []
        slots = SlotFormSet(prefix="slots", initial=initial)
    return render(request, "clubs/club_form.html", {"form": form, "slots": slots, "school": school, "term": term,
                                                    "club": club})


@login_required
def club_detail(request: HttpRequest, pk: int) -> HttpResponse:
    club = selectors.club_get_for_user(user=request.user, pk=pk)
    scope = scope_of(request.user)
    is_staff = club.school_id in scope.staff_school_ids or scope.sees_city or \
        club.school.district_id in scope.district_ids
    can_edit = services.can_edit_school(request.user, club.school_id)
    can_approve = services.can_approve_school(request.user, club.school_id)
    problems = services.club_problems(club) if (can_edit or can_approve) and club.status in (
        ReviewStatus.DRAFT, ReviewStatus.RETURNED, ReviewStatus.SUBMITTED) else []
    members = list(selectors.club_members(user=request.user, club=club)) if is_staff else []
    return render(request, "clubs/club_detail.html", {
        "club": club, "can_edit": can_edit, "can_approve": can_approve, "problems": problems,
        "members": members, "return_form": ReturnForm(), "is_staff": is_staff,
    })


def _club_action(request, pk, fn, ok_message, **extra):
    club = selectors.club_get_for_user(user=request.user, pk=pk)
    try:
        fn(user=request.user, club=club, **extra)
        messages.success(request, ok_message)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("clubs:detail", pk=club.pk)


@login_required
@require_POST
def club_submit(request, pk):
    return _club_action(request, pk, services.club_submit, _("The club was submitted for approval."))


@login_required
@require_POST
def club_approve(request, pk):
    return _club_action(request, pk, services.club_approve, _("The club was approved."))


@login_required
@require_POST
def club_return(request, pk):
    return _club_action(request, pk, services.club_return, _("The club was returned."),
                        comment=request.POST.get("comment", "")[:2000])


# --- service plans ----------------------------------------------------------------------------
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school = _school(request, required=False)
    plans = list(selectors.plan_list(user=request.user, school_id=school.pk if school else None)[:PER_PAGE_LIMIT])
    return render(request, "clubs/plan_list.html", {
        "plans": plans, "school": school,
        "can_edit": bool(school) and services.can_edit_school(request.user, school.pk),
    })


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    if not services.can_edit_school(request.user, school.pk):
        raise PermissionDenied
    form = ServicePlanForm(request.POST or None, initial={
        "winter_noon_start": "13:00", "winter_noon_end": "14:00", "winter_after_start": "16:00",
        "winter_after_end": "18:00", "summer_noon_start": "14:00", "summer_noon_end": "14:30",
        "summer_after_start": "16:30", "summer_after_end": "18:00"})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(user=request.user, school=school, term=term, **form.cleaned_data)
            return redirect("clubs:plan_detail", pk=plan.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "clubs/plan_form.html", {"form": form, "school": school, "term": term})


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    if not services.can_edit_school(request.user, plan.school_id):
        raise PermissionDenied
    if not plan.is_editable:
        messages.error(request, _("An approved or submitted plan cannot be changed; make a new revision."))
        return redirect("clubs:plan_detail", pk=plan.pk)
    form = ServicePlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(user=request.user, plan=plan, **form.cleaned_data)
            return redirect("clubs:plan_detail", pk=plan.pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "clubs/plan_form.html", {"form": form, "school": plan.school, "term": plan.term,
                                                    "plan": plan})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    return render(request, "clubs/plan_detail.html", {
        "plan": plan, "problems": services.plan_problems(plan),
        "can_edit": services.can_edit_school(request.user, plan.school_id),
        "can_approve": services.can_approve_school(request.user, plan.school_id),
        "return_form": ReturnForm(), "winter": plan.windows(False), "summer": plan.windows(True),
        "school_days": [str(Weekday(d).label) if d in Weekday.values else str(d) for d in plan.school_days or []],
        "history": list(plan.history.select_related("history_user").order_by("-history_date")[:20]),
    })


def _plan_action(request, pk, fn, ok_message, **extra):
    plan = selectors.plan_get_for_user(user=request.user, pk=pk)
    try:
        result = fn(user=request.user, plan=plan, **extra)
        messages.success(request, ok_message)
        return redirect("clubs:plan_detail", pk=result.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("clubs:plan_detail", pk=plan.pk)


@login_required
@require_POST
def plan_submit(request, pk):
    return _plan_action(request, pk, services.plan_submit, _("The plan was submitted for approval."))


@login_required
@require_POST
def plan_approve(request, pk):
    return _plan_action(request, pk, services.plan_approve, _("The plan was approved."))


@login_required
@require_POST
def plan_return(request, pk):
    return _plan_action(request, pk, services.plan_return, _("The plan was returned."),
                        comment=request.POST.get("comment", "")[:2000])


@login_required
@require_POST
def plan_revise(request, pk):
    return _plan_action(request, pk, services.plan_revise, _("A new revision was started."))


# --- timetable --------------------------------------------------------------------------------
def _timetable_page(request, *, school, term, title, teacher_id=None, venue_id=None):
    days = selectors.timetable(term=term, school_ids=[school.pk], teacher_id=teacher_id, venue_id=venue_id)
    return render(request, "clubs/timetable.html", {
        "school": school, "term": term, "days": days, "title": title,
        "teachers": selectors.school_teachers(school=school),
        "venues": selectors.school_venues(user=request.user, school=school),
        "teacher_id": teacher_id, "venue_id": venue_id,
        "can_see_clashes": _can_see_clashes(request.user, school),
    })


def _can_see_clashes(user, school) -> bool:
    scope = scope_of(user)
    return scope.is_admin or school.pk in scope.schools_with(Role.ACADEMIC, Role.PRINCIPAL, Role.MORAL_ED)


@login_required
def timetable(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    return _timetable_page(request, school=school, term=term, title=_("Weekly timetable of %(school)s")
                           % {"school": school.name})


@login_required
def timetable_teacher(request: HttpRequest, user_id: int) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    teacher = next((t for t in selectors.school_teachers(school=school) if t.pk == user_id), None)
    if teacher is None:
        raise Http404
    return _timetable_page(request, school=school, term=term, teacher_id=teacher.pk,
                           title=_("Weekly timetable of %(name)s") % {"name": teacher.name or teacher.username})


@login_required
def timetable_venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    venue = get_for_user(Venue.objects.select_related("school"), request.user, venue_id)
    return _timetable_page(request, school=venue.school, term=_term(request), venue_id=venue.pk,
                           title=_("Weekly timetable of %(venue)s") % {"venue": venue.name})


@login_required
def clashes(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    if not _can_see_clashes(request.user, school):
        raise PermissionDenied
    return render(request, "clubs/clashes.html", {
        "school": school, "term": term, "clashes": selectors.clash_list(term=term, school_ids=[school.pk])})


# --- parents: the menu ------------------------------------------------------------------------
def _own_child(request, raw) -> Student:
    """One of the user's own children (an active guardianship), or 404: another family's child, a
    child the user only sees as staff, a malformed id."""
    child_id = parse_id(raw)
    child = next((c for c in selectors.guardian_children(user=request.user) if c.pk == child_id), None)
    if child is None:
        raise Http404
    return child


def _asked_child(request, raw) -> Student:
    """The child a menu page is about: the one asked for (404 if not one's own), else the first."""
    if parse_id(raw):
        return _own_child(request, raw)
    children = selectors.guardian_children(user=request.user)
    if not children:
        raise Http404
    return children[0]


def _menu_url(child_id) -> str:
    return f"{reverse('clubs:menu')}?child={child_id}"


def _menu_club(request, child: Student):
    """The club asked for, when it is on the child's menu (else None: the caller says so)."""
    club_id = parse_id(request.POST.get("club") or request.GET.get("club"))
    club = selectors.club_menu_item(user=request.user, pk=club_id) if club_id else None
    if club is None or club.school_id != child.school_id:
        return None
    return club


@login_required
def menu(request: HttpRequest) -> HttpResponse:
    children = selectors.guardian_children(user=request.user)
    if not children:
        raise Http404
    # no child asked for (or a malformed id): the first child; another family's child: 404
    child = _own_child(request, request.GET["child"]) if parse_id(request.GET.get("child")) else children[0]
    term = _term(request)
    category = (request.GET.get("category") or "").strip()[:32] or None
    clubs = list(selectors.club_menu(user=request.user, school_id=child.school_id, category=category,
                                     grade=child.homeroom_class.grade.number).filter(term=term)[:PER_PAGE_LIMIT])
    window = allocation.choice_window_for(school=child.school, term=term)
    now = timezone.now()
    window_open = bool(window and window.is_open(now))
    board = selectors.menu_board(choices=selectors.children_choices(user=request.user).get(child.pk, []), term=term)
    for club in clubs:
        club.my_choice = board["chosen"].get(club.pk)
    return render(request, "clubs/menu.html", {
        "children": children, "child": child, "clubs": clubs, "categories": selectors.categories(),
        "category": category, "window": window, "window_open": window_open,
        "late_join": bool(window and window.allocated_at and now >= window.closes_at),
        "ranking": board["ranking"], "results": board["results"],
        "ranking_full": window_open and len(board["ranking"]) >= services.MAX_RANK, "max_rank": services.MAX_RANK,
    })


@login_required
@require_POST
def menu_choose(request: HttpRequest) -> HttpResponse:
    """加入志愿: the club takes the child's next free rank; a full ranking goes to the confirm step."""
    child = _own_child(request, request.POST.get("student"))
    club = _menu_club(request, child)
    if club is None:
        messages.error(request, _("This club is not on the club menu of %(child)s.") % {"child": child.name})
        return redirect(_menu_url(child.pk))
    try:
        choice = allocation.ranking_add(user=request.user, student=child, club=club)
    except services.RankingFull:
        return redirect(f"{reverse('clubs:replace')}?child={child.pk}&club={club.pk}")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if choice.rank:
            messages.success(request, _("%(club)s is now choice %(rank)s of %(child)s.")
                             % {"club": club.name, "rank": choice.rank, "child": child.name})
        else:
            messages.success(request, _("%(club)s: %(status)s") % {"club": club.name,
                                                                    "status": choice.get_status_display()})
    return redirect(_menu_url(child.pk))


@login_required
def menu_replace(request: HttpRequest) -> HttpResponse:
    """The confirm step when every rank is taken: which choice does the new club replace?"""
    child = _asked_child(request, request.POST.get("student") or request.GET.get("child"))
    club = _menu_club(request, child)
    if club is None:
        messages.error(request, _("This club is not on the club menu of %(child)s.") % {"child": child.name})
        return redirect(_menu_url(child.pk))
    if request.method == "POST":
        replace_id = parse_id(request.POST.get("replace"))
        replaced = ClubChoice.objects.filter(pk=replace_id, student=child).select_related("club").first() \
            if replace_id else None
        if replaced is None:
            messages.error(request, _("Choose the choice that %(club)s replaces.") % {"club": club.name})
            return redirect(f"{reverse('clubs:replace')}?child={child.pk}&club={club.pk}")
        try:
            choice = allocation.ranking_replace(user=request.user, student=child, club=club, replaced=replaced)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("%(club)s replaced %(old)s as choice %(rank)s.")
                             % {"club": club.name, "old": replaced.club.name, "rank": choice.rank})
        return redirect(_menu_url(child.pk))
    ranking = services.ranking(student=child, term=club.term)
    if len(ranking) < services.MAX_RANK:  # a rank is free again: nothing to replace
        return redirect(_menu_url(child.pk))
    return render(request, "clubs/menu_replace.html", {"child": child, "club": club, "ranking": ranking})


@login_required
@require_POST
def choice_move(request: HttpRequest, pk: int) -> HttpResponse:
    """上移 / 下移: swap a pending choice with its neighbour in the ranking."""
    choice = ClubChoice.objects.filter(
        pk=pk, student__in=[c.pk for c in selectors.guardian_children(user=request.user)]
    ).select_related("club", "student", "term").first()
    if choice is None:
        raise Http404
    try:
        choice = services.ranking_move(user=request.user, choice=choice, direction=request.POST.get("direction", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(club)s is now choice %(rank)s.") % {"club": choice.club.name,
                                                                             "rank": choice.rank})
    return redirect(_menu_url(choice.student_id))


@login_required
@require_POST
def choice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    choice = get_for_user(ClubChoice.objects.select_related("club", "student"), request.user, pk)
    was_ranked = choice.status == ClubChoice.Status.PENDING and choice.rank is not None
    try:
        allocation.choice_withdraw(user=request.user, choice=choice)
        if was_ranked:
            messages.success(request, _("%(club)s was removed from the choices; the ones below moved up.")
                             % {"club": choice.club.name})
        else:
            messages.success(request, _("The choice was withdrawn."))
    except DomainError as exc:
        messages.error(request, exc.message)
    if scope_of(request.user).has_role(Role.PARENT) and choice.student.guardianships.filter(
            guardian=request.user, active=True).exists():
        return redirect(_menu_url(choice.student_id))
    return redirect("clubs:detail", pk=choice.club_id)


# --- the choice window and the allocation -----------------------------------------------------
@login_required
def window(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    if not services.can_edit_school(request.user, school.pk):
        raise PermissionDenied
    current = allocation.choice_window_for(school=school, term=term)
    form = ChoiceWindowForm(request.POST or None, initial={
        "opens_at": timezone.localtime(current.opens_at).strftime("%Y-%m-%dT%H:%M") if current else None,
        "closes_at": timezone.localtime(current.closes_at).strftime("%Y-%m-%dT%H:%M") if current else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.choice_window_set(user=request.user, school=school, term=term, **form.cleaned_data)
            messages.success(request, _("The choice window was saved."))
            return redirect(f"{reverse('clubs:window')}?school={school.pk}")
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "clubs/window.html", {"form": form, "school": school, "term": term, "window": current})


@login_required
@require_POST
def allocate(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    try:
        counts = allocation.allocate(school=school, term=term, user=request.user)
        messages.success(request, _("Allocation done: %(enrolled)d enrolled, %(waitlisted)d waitlisted, "
                                    "%(not_placed)d not placed.") % {
            "enrolled": counts.get("enrolled", 0), "waitlisted": counts.get("waitlisted", 0),
            "not_placed": counts.get("not_placed", 0)})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('clubs:window')}?school={school.pk}")


# --- teacher service hours --------------------------------------------------------------------
@login_required
def hours(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    school, term = _school(request), _term(request)
    scope = scope_of(request.user)
    sees_all = scope.is_admin or school.pk in scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)
    if not sees_all and school.pk not in scope.schools_with(Role.TEACHER):
        raise PermissionDenied
    rows = selectors.teacher_hours(school=school, term=term, teacher_id=None if sees_all else request.user.pk)
    totals = selectors.teacher_term_totals(rows)
    fmt = request.GET.get("format")
    planned = _("planned (timetable)")
    headers = [_("Teacher"), _("Period"), pgettext("count of meetings", "Sessions"), _("Hours"), _("Basis")]
    table = [[r["teacher"], r["month"], r["sessions"], r["hours"], planned] for r in rows]
    term_table = [[t["teacher"], term.name, t["sessions"], t["hours"], planned] for t in totals]
    filename = f"{school.code}-teacher-hours-{datetime.date.today():%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", [(_("By month"), headers, table), (_("By term"), headers,
                                                                                     term_table)])
    if fmt == "csv":
        return csv_response(f"{filename}.csv", headers, table + term_table)
    return render(request, "clubs/hours.html", {"school": school, "term": term, "rows": rows, "totals": totals})


# --- the catalogue ----------------------------------------------------------------------------
@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    scope = scope_of(request.user)
    can_add = scope.is_admin or scope.is_bureau
    form = ClubTypeForm(request.POST or None) if can_add else None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.club_type_create(user=request.user, **form.cleaned_data)
                messages.success(request, _("The club type was added."))
                return redirect("clubs:catalogue")
            except DomainError as exc:
                form.add_error(None, exc.message)
    categories = ClubCategory.objects.prefetch_related("types")
    return render(request, "clubs/catalogue.html", {"categories": categories, "form": form})
