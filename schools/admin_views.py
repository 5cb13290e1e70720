"""School administration pages for the principal: imports, staff, venues, letters with invitation
codes; and the city's terms (set by the bureau, read by schools). Thin: they call services and
selectors; out-of-scope schools are 404, visible schools the user may not administer are 403."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import RoleAssignment
from accounts.scoping import get_for_user, scope_of
from accounts.services import NOT_HERE, invitation_issue, invitation_issue_many, link_code_issue
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import csv_response, xlsx_response

from . import imports, selectors, services
from .calendar import calendar_day_create, calendar_list, may_edit_calendar
from .forms import (
    CalendarDayForm,
    GuardianAddForm,
    ImportUploadForm,
    RoleAddForm,
    StaffCreateForm,
    TermForm,
    VenueForm,
)
from .models import CalendarDay, HomeroomClass, ImportBatch, School, Term, Venue
from .spreadsheets import render_message

ERRORS_SHOWN = 500


@login_required
def admin_entry(request: HttpRequest) -> HttpResponse:
    """The "School administration" nav entry: the principal's own school, or a choice."""
    schools = list(selectors.schools_administered(user=request.user)[:200])
    if len(schools) == 1:
        return redirect("schools:admin_home", pk=schools[0].pk)
    if not schools:
        raise PermissionDenied(_("Only a school's principal can administer a school."))
    return render(request, "schools/admin/choose_school.html", {"schools": schools})


@login_required
def admin_home(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    classes = (HomeroomClass.objects.filter(school=school, active=True).select_related("grade", "homeroom_teacher")
               .order_by("grade__number", "name"))
    return render(request, "schools/admin/home.html", {
        "school": school, "classes": classes, "batches": selectors.import_batches_of(user=request.user, school=school),
        "term": Term.current(),
    })


# --- imports -------------------------------------------------------------------------------------------
IMPORT_KINDS = {"roster": ImportBatch.Kind.ROSTER, "staff": ImportBatch.Kind.STAFF}


def _kind(kind: str) -> str:
    if kind not in IMPORT_KINDS:
        raise Http404
    return IMPORT_KINDS[kind]


@login_required
def import_upload(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    kind = _kind(kind)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_preview(
                school=school, user=request.user, kind=kind, file_name=upload.name, data=upload.read(),
                create_classes=form.cleaned_data["create_classes"],
            )
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            return redirect("schools:import_preview", pk=school.pk, batch=batch.pk)
    return render(request, "schools/admin/import_upload.html", {"school": school, "form": form, "kind": kind},
                  status=400 if form.errors else 200)


@login_required
def import_template(request: HttpRequest, pk: int, kind: str, fmt: str) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    kind = _kind(kind)
    if kind == ImportBatch.Kind.ROSTER:
        headers, rows, name = imports.ROSTER_TEMPLATE_HEADERS, imports.ROSTER_TEMPLATE_ROWS, "学生名册模板"
    else:
        headers, rows, name = imports.STAFF_TEMPLATE_HEADERS, imports.STAFF_TEMPLATE_ROWS, "教职工名单模板"
    if fmt == "csv":
        return csv_response(f"{name}-{school.code}.csv", headers, rows)
    if fmt == "xlsx":
        return xlsx_response(f"{name}-{school.code}.xlsx", [(name, headers, rows)])
    raise Http404


@login_required
def import_preview(request: HttpRequest, pk: int, batch: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    batch = selectors.import_batch_get(user=request.user, school=school, pk=batch)
    preview_rows = batch.rows[:50]
    return render(request, "schools/admin/import_preview.html", {
        "school": school, "batch": batch,
        "errors": [{**e, "message": render_message(e)} for e in batch.errors[:ERRORS_SHOWN]],
        "more_errors": max(len(batch.errors) - ERRORS_SHOWN, 0), "preview_rows": preview_rows,
        "more_rows": max(len(batch.rows) - len(preview_rows), 0), "summary": batch.summary,
    })


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int, batch: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    batch = selectors.import_batch_get(user=request.user, school=school, pk=batch)
    try:
        if request.POST.get("action") == "discard":
            services.import_discard(batch=batch, user=request.user)
            messages.info(request, _("The upload was discarded; nothing was imported."))
            return redirect("schools:admin_home", pk=school.pk)
        batch = services.import_apply(batch_id=batch.pk, user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("schools:import_preview", pk=school.pk, batch=batch.pk)
    messages.success(request, _("Imported %(file)s.") % {"file": batch.file_name})
    return redirect("schools:import_preview", pk=school.pk, batch=batch.pk)


# --- staff -----------------------------------------------------------------------------------------------
@login_required
def staff_list(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    form = StaffCreateForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = _staff_create(request, school, data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            return redirect("schools:staff_detail", pk=school.pk, user_pk=user.pk)
    return render(request, "schools/admin/staff_list.html", {
        "school": school, "people": selectors.staff_of_school(school=school), "form": form,
    }, status=400 if form.errors else 200)


def _staff_create(request, school, data):
    from django.db import transaction

    from accounts.services import staff_account_check, staff_create

    staff_account_check(school=school, phone=data["phone"], username=data["username"], by=request.user)
    with transaction.atomic():
        user, created = staff_create(school=school, name=data["name"], phone=data["phone"],
                                     username=data["username"], by=request.user)
        for role in data["roles"]:
            services.staff_role_add(school=school, user=user, role=role, homeroom_class=data.get("homeroom_class"),
                                    by=request.user)
    if created:
        code = invitation_issue(user=user, by=request.user, school=school)
        messages.success(request, _("Account %(username)s created. Its one-time invitation code is %(code)s: give it "
                                    "to %(name)s to set a password.")
                         % {"username": user.username, "code": code, "name": user.get_full_name()})
    else:
        messages.info(request, _("%(name)s already had an account (%(username)s); the roles were added.")
                      % {"name": user.get_full_name(), "username": user.username})
    return user


@login_required
def staff_detail(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    member = selectors.staff_member_get(school=school, user_pk=user_pk)
    form = RoleAddForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_role_add(school=school, user=member, role=form.cleaned_data["role"],
                                    homeroom_class=form.cleaned_data["homeroom_class"], by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Role added."))
            return redirect("schools:staff_detail", pk=school.pk, user_pk=member.pk)
    assignments = RoleAssignment.objects.filter(user=member, school=school).order_by("-active", "role")
    classes = HomeroomClass.objects.filter(school=school, homeroom_teacher=member, active=True)
    return render(request, "schools/admin/staff_detail.html", {
        "school": school, "member": member, "assignments": assignments, "classes": classes, "form": form,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def staff_role_end(request: HttpRequest, pk: int, user_pk: int, assignment: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    member = selectors.staff_member_get(school=school, user_pk=user_pk)
    assignment_obj = RoleAssignment.objects.filter(user=member, school=school, pk=assignment).first()
    if assignment_obj is None:
        raise Http404
    try:
        services.staff_role_end(school=school, assignment=assignment_obj, by=request.user)
        messages.success(request, _("Role ended."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("schools:staff_detail", pk=school.pk, user_pk=member.pk)


@login_required
@require_POST
def staff_deactivate(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    member = selectors.staff_member_get(school=school, user_pk=user_pk)
    try:
        deactivated = services.staff_deactivate(school=school, user=member, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if deactivated:
            messages.success(request, _("%(name)s was deactivated and signed out everywhere.")
                             % {"name": member.get_full_name()})
        else:
            messages.success(request, _("%(name)s's roles at this school have ended.")
                             % {"name": member.get_full_name()})
    return redirect("schools:staff_detail", pk=school.pk, user_pk=member.pk)


@login_required
@require_POST
def staff_invite(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    member = selectors.staff_member_get(school=school, user_pk=user_pk)
    try:
        code = invitation_issue(user=member, by=request.user, school=school)
        messages.success(request, _("New invitation code for %(name)s: %(code)s (earlier codes no longer work).")
                         % {"name": member.get_full_name(), "code": code})
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("schools:staff_detail", pk=school.pk, user_pk=member.pk)


# --- letters with invitation codes --------------------------------------------------------------------
@login_required
def class_letters(request: HttpRequest, pk: int, class_pk: int) -> HttpResponse:
    """GET: the class's guardians and whether each has joined. POST: print letters with fresh codes
    for the guardians who have not joined yet (earlier codes stop working)."""
    school = selectors.school_admin_get(user=request.user, pk=pk)
    klass = get_for_user(HomeroomClass.objects.filter(school=school), request.user, class_pk)
    form = GuardianAddForm(request.POST if request.POST.get("action") == "add" else None, klass=klass)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            added = services.guardian_add(school=school, student=data["student"], name=data["name"],
                                          phone=data["phone"], relation=data["relation"], by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            user = added.user
            if not added.linked:
                messages.warning(request, _("%(message)s The family can still link %(student)s themselves: print "
                                            "the letters, and the letter with the link code goes home with the "
                                            "child.") % {"message": NOT_HERE, "student": data["student"].name})
            elif user.has_usable_password():
                messages.success(request, _("%(name)s is linked to %(student)s; they already have an account.")
                                 % {"name": user.get_full_name(), "student": data["student"].name})
            else:
                code = invitation_issue(user=user, by=request.user, school=school)
                messages.success(request, _("%(name)s is linked to %(student)s. Username %(username)s, one-time "
                                            "invitation code %(code)s.")
                                 % {"name": user.get_full_name(), "student": data["student"].name,
                                    "username": user.username, "code": code})
            return redirect("schools:class_letters", pk=school.pk, class_pk=klass.pk)
    links = selectors.class_guardians(school=school, klass=klass)
    pending = selectors.class_pending_links(school=school, klass=klass)
    codes, link_letters = {}, []
    printing = request.method == "POST" and request.POST.get("action") == "print"
    if printing:
        codes = invitation_issue_many(users={link.guardian for link in links}, by=request.user, school=school)
        link_letters = [
            (invitation.student, link_code_issue(user=invitation.user, student=invitation.student,
                                                 relation=invitation.relation, by=request.user, school=school))
            for invitation in pending
        ]
    return render(request, "schools/admin/class_letters.html", {
        "school": school, "klass": klass, "links": links, "printing": printing, "form": form,
        "letters": [(link, codes[link.guardian_id]) for link in links if link.guardian_id in codes],
        "pending": pending, "link_letters": link_letters,
        "join_url": request.build_absolute_uri(reverse("accounts:join")),
        "link_url": request.build_absolute_uri(reverse("accounts:link_child")),
    }, status=400 if form.errors else 200)


# --- venues -----------------------------------------------------------------------------------------------
@login_required
def venue_list(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    venues = Venue.objects.visible_to(request.user).filter(school=school).order_by("-active", "kind", "name")
    form = VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_save(school=school, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Venue saved."))
            return redirect("schools:venues", pk=school.pk)
    return render(request, "schools/admin/venue_list.html", {"school": school, "venues": venues, "form": form},
                  status=400 if form.errors else 200)


@login_required
def venue_edit(request: HttpRequest, pk: int, venue: int) -> HttpResponse:
    school = selectors.school_admin_get(user=request.user, pk=pk)
    venue_obj = selectors.venue_get(user=request.user, school=school, pk=venue)
    form = VenueForm(request.POST or None, instance=Venue.objects.get(pk=venue_obj.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_save(school=school, by=request.user, venue=venue_obj, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Venue saved."))
            return redirect("schools:venues", pk=school.pk)
    return render(request, "schools/admin/venue_edit.html", {"school": school, "venue": venue_obj, "form": form},
                  status=400 if form.errors else 200)


# --- terms ------------------------------------------------------------------------------------------------
def _may_edit_terms(user) -> bool:
    scope = scope_of(user)
    return scope.is_admin or scope.is_bureau


@login_required
def term_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("Terms are for staff."))
    return render(request, "schools/admin/term_list.html", {
        "terms": Term.objects.all(), "can_edit": _may_edit_terms(request.user),
    })


@login_required
def term_edit(request: HttpRequest, term: int | None = None) -> HttpResponse:
    if not _may_edit_terms(request.user):
        raise PermissionDenied(_("Only the education bureau sets terms."))
    instance = None
    if term is not None:
        instance = Term.objects.filter(pk=term).first()
        if instance is None:
            raise Http404
    form = TermForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_save(by=request.user, term=Term.objects.get(pk=term) if term else None,
                               **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Term saved."))
            return redirect("schools:terms")
    return render(request, "schools/admin/term_edit.html", {"form": form, "term": instance},
                  status=400 if form.errors else 200)




# --- the calendar (校历) --------------------------------------------------------------------------------
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The city's calendar days and one school's (`?school=`, else the school the user sets the
    calendar of); the bureau adds city days here, a school's principal or teaching-affairs office
    the school's days. Other staff read it; a school not visible is a 404."""
    from accounts.roles import Role
    from shahe_afterschool.ids import parse_id

    scope = scope_of(request.user)
    if not scope.is_staff_member:
        raise PermissionDenied(_("The calendar is for staff."))
    school = None
    raw = request.GET.get("school")
    if raw:
        pk = parse_id(raw)
        school = School.objects.visible_to(request.user).filter(pk=pk).first() if pk is not None else None
        if school is None:
            raise Http404
    elif not scope.sees_city:
        own = sorted(scope.schools_with(Role.PRINCIPAL, Role.ACADEMIC)) or sorted(scope.staff_school_ids)
        school = School.objects.filter(pk=own[0]).first() if own else None
    can_edit = may_edit_calendar(request.user, school)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You cannot change this calendar."))
        if form.is_valid():
            try:
                calendar_day_create(user=request.user, school=school, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Calendar day saved."))
                url = reverse("schools:calendar")
                return redirect(f"{url}?school={school.pk}" if school else url)
    term = Term.current()
    days = calendar_list(user=request.user, school=school, date_from=term.start_date if term else None,
                         date_to=term.end_date if term else None)
    if school is None:
        days = days.filter(school__isnull=True)
    return render(request, "schools/admin/calendar.html", {
        "school": school, "days": days[:500], "form": form, "can_edit": can_edit, "term": term,
    }, status=400 if form.errors else 200)


# --- the calendar from a spreadsheet (the roster import's preview → confirm) -------------------------------
def _calendar_school(request, raw) -> School | None:
    from shahe_afterschool.ids import parse_id

    if not raw:
        return None
    pk = parse_id(raw)
    school = School.objects.visible_to(request.user).filter(pk=pk).first() if pk is not None else None
    if school is None:
        raise Http404
    return school


@login_required
def calendar_import(request: HttpRequest) -> HttpResponse:
    """Upload a calendar spreadsheet: the bureau's city days (no `?school=`), or a school's days
    (`?school=`, its principal or teaching-affairs office). The next page is the preview."""
    from .calendar_import import calendar_import_preview

    school = _calendar_school(request, request.GET.get("school") or request.POST.get("school"))
    if not may_edit_calendar(request.user, school):
        raise PermissionDenied(_("You cannot change this calendar."))
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = calendar_import_preview(user=request.user, school=school, file_name=upload.name,
                                            data=upload.read())
        except DomainError as exc:
            form.add_error("file", str(exc.message))
        else:
            return redirect("schools:calendar_import_preview", batch=batch.pk)
    return render(request, "schools/admin/calendar_import.html", {"school": school, "form": form},
                  status=400 if form.errors else 200)


@login_required
def calendar_import_template(request: HttpRequest) -> HttpResponse:
    """The calendar's template, `?format=xlsx` (default) or `csv`."""
    from .calendar_import import CALENDAR_TEMPLATE_HEADERS

    fmt = request.GET.get("format", "xlsx")
    if not scope_of(request.user).is_staff_member:
        raise PermissionDenied(_("The calendar is for staff."))
    rows = [["2027年1月1日", "节假日", "", "", "元旦"], ["2027/2/7", "调休上课", "周五", "", "春节调休"],
            ["2027-01-13", "提前放学", "", "15:30", "期末考试"]]
    if fmt == "csv":
        return csv_response("校历导入模板.csv", CALENDAR_TEMPLATE_HEADERS, rows)
    if fmt == "xlsx":
        return xlsx_response("校历导入模板.xlsx", [("校历", CALENDAR_TEMPLATE_HEADERS, rows)])
    raise Http404


@login_required
def calendar_import_preview(request: HttpRequest, batch: int) -> HttpResponse:
    """The rows as they will be entered and the errors by row and column; confirm or discard (POST)."""
    from .calendar_import import calendar_batch_get, calendar_import_apply, calendar_import_discard

    batch = calendar_batch_get(user=request.user, pk=batch)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "discard":
                calendar_import_discard(batch=batch, user=request.user)
                messages.info(request, _("The upload was discarded; nothing was imported."))
            else:
                batch = calendar_import_apply(batch_id=batch.pk, user=request.user)
                messages.success(request, _("Imported %(file)s.") % {"file": batch.file_name})
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("schools:calendar_import_preview", batch=batch.pk)
    return render(request, "schools/admin/calendar_import_preview.html", {
        "batch": batch, "school": batch.school,
        "errors": [{**e, "message": render_message(e)} for e in batch.errors[:ERRORS_SHOWN]],
        "more_errors": max(len(batch.errors) - ERRORS_SHOWN, 0), "rows": batch.rows[:400],
        "kinds": dict(CalendarDay.Kind.choices),
    })
