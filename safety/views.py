"""Pages of the safety app. Thin: parse, call a service or selector, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import RoleAssignment
from accounts.roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES, Role
from accounts.scoping import get_for_user, scope_of
from accounts.services import audit_record
from schools.models import School
from shahe_afterschool import fragments
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import csv_response, xlsx_response
from shahe_afterschool.ids import parse_ids

from . import forms, selectors, services
from .models import SEVERITY_HELP, FollowUpRequest, Incident, IncidentType, RectificationItem, Severity


def _form_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _require_overview_role(request) -> None:
    scope = scope_of(request.user)
    if not (scope.sees_city or scope.district_ids):
        raise PermissionDenied(_("This page is for the education bureau and district staff."))


def _pick_school(request, roles=SCHOOL_ROLES) -> School:
    """The school a staff page is about: `?school=` among the user's schools, else the first one."""
    scope = scope_of(request.user)
    ids = scope.schools_with(*roles)
    schools = School.objects.all() if scope.is_admin else School.objects.filter(pk__in=ids)
    wanted = request.GET.get("school") or request.POST.get("school")
    if wanted:
        try:
            return schools.get(pk=int(wanted))
        except (School.DoesNotExist, ValueError, TypeError):
            raise Http404 from None
    school = schools.order_by("code").first()
    if school is None:
        raise PermissionDenied(_("Only staff of a school may do this."))
    return school


# --- incidents --------------------------------------------------------------------------------
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    status = request.GET.get("status", "")
    kind = request.GET.get("type", "")
    kind = kind if kind in IncidentType.values else ""
    is_parent = scope.has_role(Role.PARENT)
    sees_area = scope.sees_city or bool(scope.district_ids)
    shared = sees_area and not (is_parent or scope.is_admin or scope.staff_school_ids)

    def rows() -> str:
        return render_to_string("safety/_incident_rows.html", _incident_rows(request, scope, status=status, kind=kind,
                                                                              is_parent=is_parent), request=request)

    def counts() -> dict | None:
        return selectors.incident_counts(user=request.user) if sees_area else None

    if shared:
        # The bureau's and a district's readers see the same escalated incidents and counts, without
        # children's names: rendered once per area, filter, page and language, kept until an incident
        # (or its school, venue or children) changes (selectors.LIST_SUBJECT).
        reader = "city" if scope.sees_city else sorted(scope.district_ids)
        key = fragments.key("incident-list", selectors.LIST_SUBJECT, reader, request.GET.urlencode())
        cached = cache.get(key)
        if cached is None:
            cached = (rows(), counts())
            cache.set(key, cached, LIST_SECONDS)
        rows_html, counts_data = mark_safe(cached[0]), cached[1]  # noqa: S308 (the template's own output)
    else:
        rows_html, counts_data = rows(), counts()
    context = {
        "rows_html": rows_html, "status": status, "type": kind, "statuses": Incident.Status.choices,
        "types": IncidentType.choices, "can_log": scope.is_admin or bool(scope.staff_school_ids),
        "counts": counts_data,
    }
    return render(request, "safety/incident_list.html", context)


#: How long a rendered page of the shared incident list is kept (its key names the list's version).
LIST_SECONDS = 600


def _incident_rows(request, scope, *, status: str, kind: str, is_parent: bool) -> dict:
    # The children's names are read only by those who may see some: the school's staff, admin, a
    # guardian (their own children); the bureau and the districts see counts.
    qs = selectors.incident_list(user=request.user, status=status, type=kind,
                                 with_children=is_parent or scope.is_admin or bool(scope.staff_school_ids))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    own_children = selectors.own_children_ids(user=request.user) if is_parent else set()
    for incident in page:
        incident.staff_view = selectors.incident_staff_view(user=request.user, incident=incident)
        incident.names_visible = selectors.incident_names_visible(user=request.user, incident=incident)
        children = list(incident.children.all()) if (incident.names_visible or own_children) else []
        incident.children_shown = children if incident.names_visible else []
        incident.own_children = [c for c in children if c.pk in own_children]
        text = incident.description or ""
        incident.summary = text if len(text) <= 120 else text[:119] + "…"
    return {"page": page}


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    school = _pick_school(request)
    form = forms.IncidentQuickForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(user=request.user, school=school, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if incident.escalated_at:
                messages.warning(request, _("Logged. This incident has been escalated: the principal and the "
                                            "bureau are notified."))
            else:
                messages.success(request, _("Logged. Add details when you can."))
            return redirect("safety:incident_detail", pk=incident.pk)
    chosen = []
    if form.is_bound:
        chosen = list(school.students.filter(pk__in=parse_ids(request.POST.getlist("children"))))
    schools = selectors.staff_schools(user=request.user)
    return render(request, "safety/incident_new.html", {
        "form": form, "school": school, "chosen": chosen, "schools": schools if len(schools) > 1 else None,
        "severity_help": [(Severity(v).label, SEVERITY_HELP[v]) for v in Severity.values],
    })


@login_required
def student_search(request: HttpRequest) -> HttpResponse:
    school = _pick_school(request)
    students = selectors.student_search(user=request.user, school=school, query=request.GET.get("q", ""))
    return render(request, "safety/_student_choices.html", {"students": students})


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    if not selectors.incident_staff_view(user=request.user, incident=incident):
        return render(request, "safety/incident_guardian.html", {
            "incident": incident,
            "children": selectors.guardian_children_of(user=request.user, incident=incident),
        })
    audit_record(request=request, action="read", obj=incident, detail="incident detail")
    scope = scope_of(request.user)
    can_edit = scope.is_admin or incident.school_id in scope.staff_school_ids
    context = {
        "incident": incident, "can_edit": can_edit,
        "can_review": selectors.incident_can_review(user=request.user, incident=incident),
        "next_states": [Incident.Status(s) for s in services.INCIDENT_TRANSITIONS[incident.status]],
        "follow_up_form": forms.FollowUpForm(),
        "contact_form": forms.GuardianContactForm(initial={"contacted_at": timezone.localtime()}),
        "message_form": forms.GuardianMessageForm(initial={"message": incident.guardian_message}),
        "transition_form": forms.TransitionForm(),
        **selectors.incident_detail(incident=incident),
    }
    if not selectors.incident_names_visible(user=request.user, incident=incident):
        context["children_hidden"] = len(context["children"])
        context["children"] = []
    else:  # the school's staff see whether the message reached each guardian, and by which channel
        context["deliveries"] = selectors.guardian_message_deliveries(incident=incident, children=context["children"])
    requests = list(selectors.follow_up_list(user=request.user, incident_id=incident.pk))
    may_request = services.follow_up_may_request(request.user, incident)
    context.update({
        "follow_up_requests": requests,
        "can_request": may_request and incident.escalated_at is not None and incident.status != Incident.Status.CLOSED,
        "can_close_requests": may_request, "can_answer": services.follow_up_may_answer(request.user, incident),
        "request_form": forms.FollowUpRequestForm(), "answer_form": forms.FollowUpAnswerForm(),
        "close_form": forms.FollowUpCloseForm(),
        "timeline": selectors.incident_timeline(incident=incident, detail=context, requests=requests),
    })
    return render(request, "safety/incident_detail.html", context)


@login_required
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    scope = scope_of(request.user)
    if not (scope.is_admin or incident.school_id in scope.staff_school_ids):
        raise PermissionDenied(_("Only staff of this school may do this."))
    initial = {
        "type": incident.type, "severity": incident.severity, "occurred_at": timezone.localtime(incident.occurred_at),
        "venue": incident.venue_id, "location_note": incident.location_note, "description": incident.description,
        "actions_taken": incident.actions_taken, "staff": list(incident.staff.values_list("pk", flat=True)),
    }
    form = forms.IncidentDetailsForm(request.POST or None, school=incident.school, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.incident_update(incident=incident, user=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if updated.escalated_at and not incident.escalated_at:
                messages.warning(request, _("Saved. This incident has been escalated: the principal and the bureau "
                                            "are notified."))
            else:
                messages.success(request, _("Saved."))
            return redirect("safety:incident_detail", pk=incident.pk)
    if form.is_bound:
        chosen = list(incident.school.students.filter(pk__in=parse_ids(request.POST.getlist("children"))))
    else:
        chosen = list(incident.children.all())
    return render(request, "safety/incident_edit.html", {"form": form, "incident": incident, "chosen": chosen,
                                                         "school": incident.school})


def _post_on_incident(request, pk, form_class, action):
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(incident, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("safety:incident_detail", pk=incident.pk)


@login_required
@require_POST
def incident_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_incident(request, pk, forms.FollowUpForm, lambda i, d: services.incident_add_follow_up(
        incident=i, user=request.user, text=d["text"]))


@login_required
@require_POST
def incident_guardian_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_incident(request, pk, forms.GuardianContactForm,
                             lambda i, d: services.incident_record_guardian_contact(incident=i, user=request.user, **d))


@login_required
@require_POST
def incident_notify_guardians(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_incident(request, pk, forms.GuardianMessageForm, lambda i, d: services.incident_notify_guardians(
        incident=i, user=request.user, message=d["message"]))


@login_required
@require_POST
def incident_transition(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_incident(request, pk, forms.TransitionForm, lambda i, d: services.incident_transition(
        incident=i, user=request.user, to=d["to"], summary=d["summary"]))


# --- 督办: follow-up requests -----------------------------------------------------------------
def _follow_up_done(request, form, action, incident_id, success):
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(reverse("safety:incident_detail", args=[incident_id]) + "#follow-up-requests")


@login_required
@require_POST
def follow_up_request_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The bureau or the incident's district opens a 督办 request (the incident page's form)."""
    incident = selectors.incident_get_for_user(user=request.user, pk=pk)
    if not services.follow_up_may_request(request.user, incident):
        raise PermissionDenied(_("Only the education bureau and the incident's district open a follow-up request."))
    return _follow_up_done(request, forms.FollowUpRequestForm(request.POST), lambda d: services.follow_up_request_open(
        user=request.user, incident=incident, text=d["text"], due_in_minutes=d["due_in_minutes"]), incident.pk,
        _("Follow-up request sent; the principal is notified."))


@login_required
@require_POST
def follow_up_request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.follow_up_get_for_user(user=request.user, pk=pk)
    return _follow_up_done(request, forms.FollowUpAnswerForm(request.POST), lambda d: services.follow_up_request_answer(
        user=request.user, request=item, text=d["text"]), item.incident_id, _("Answer sent."))


@login_required
@require_POST
def follow_up_request_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.follow_up_get_for_user(user=request.user, pk=pk)
    return _follow_up_done(request, forms.FollowUpCloseForm(request.POST), lambda d: services.follow_up_request_close(
        user=request.user, request=item, note=d["note"]), item.incident_id, _("Follow-up request closed."))


@login_required
def follow_up_requests(request: HttpRequest) -> HttpResponse:
    """Every 督办 request the user sees: open ones first, overdue first among them."""
    scope = scope_of(request.user)
    if not (scope.sees_city or scope.district_ids or scope.school_wide_ids):
        raise PermissionDenied(_("This page is for the education bureau, the districts and the schools' leads."))
    status = request.GET.get("status", "")
    page = Paginator(selectors.follow_up_list(user=request.user, status=status), 50).get_page(request.GET.get("page"))
    return render(request, "safety/follow_up_requests.html", {
        "page": page, "status": status, "statuses": FollowUpRequest.Status.choices, "now": timezone.now()})


@login_required
def escalation_list(request: HttpRequest) -> HttpResponse:
    _require_overview_role(request)
    page = Paginator(selectors.escalation_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "safety/escalation_list.html", {
        "page": page, "counts": selectors.incident_counts(user=request.user), "now": timezone.now(),
    })


EXPORT_HEADERS = [pgettext_lazy("incident export column", "No."), _lazy("school"), _lazy("district"), _lazy("when it happened"), _lazy("type"),
                  _lazy("severity"), _lazy("status"), _lazy("escalated at"), _lazy("children involved"),
                  _lazy("where"), _lazy("what happened"), _lazy("actions taken"), _lazy("closing summary")]


@login_required
def incident_export(request: HttpRequest) -> HttpResponse:
    """The bureau's (or a district's) export: escalated incidents with details, counts of the rest."""
    _require_overview_role(request)
    rows = [
        [i.pk, i.school.name, i.school.district.name if i.school.district else "", i.occurred_at,
         i.type_label, i.severity_label, i.status_label, i.escalated_at, i.children_count,
         i.venue.name if i.venue else i.location_note, i.description, i.actions_taken, i.closing_summary]
        for i in selectors.escalation_list(user=request.user).iterator(chunk_size=500)
    ]
    headers = [str(h) for h in EXPORT_HEADERS]
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "csv":
        return csv_response(f"incidents-{stamp}.csv", headers, rows)
    counts = selectors.incident_counts(user=request.user)
    count_rows = [[label, n] for label, n in counts["by_severity"]]
    count_rows += [[_("all incidents"), counts["total"]], [_("escalated"), counts["escalated"]],
                   [_("open"), counts["open"]]]
    return xlsx_response(f"incidents-{stamp}.xlsx", [
        (_("Escalated incidents"), headers, rows), (_("Counts"), [_("severity"), _("incidents")], count_rows),
    ])


@login_required
def school_overview(request: HttpRequest) -> HttpResponse:
    """The principal's view: what needs the school's attention now."""
    school = _pick_school(request, roles=SCHOOL_WIDE_ROLES)
    incidents = selectors.incident_list(user=request.user, school_id=school.pk).exclude(status=Incident.Status.CLOSED)
    return render(request, "safety/school_overview.html", {
        "school": school, "incidents": incidents[:50],
        "items": selectors.items_awaiting_school(user=request.user, school_id=school.pk),
        "flags": selectors.safety_flags(school_ids=[school.pk])[school.pk],
        "plans": selectors.plan_list(user=request.user, school_id=school.pk),
    })


# --- plans and drills -------------------------------------------------------------------------
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.sees_city or scope.district_ids:
        schools = list(School.objects.visible_to(request.user).filter(active=True).select_related("district"))
        flags = selectors.safety_flags(school_ids=[s.pk for s in schools])
        rows = [(s, flags[s.pk]) for s in schools]
        return render(request, "safety/plan_overview.html", {"rows": rows})
    school = _pick_school(request)
    return render(request, "safety/plan_list.html", {
        "school": school, "plans": selectors.plan_list(user=request.user, school_id=school.pk),
        "drills": selectors.drill_list(user=request.user, school_id=school.pk)[:50],
        "flags": selectors.safety_flags(school_ids=[school.pk])[school.pk],
        "can_edit": scope.is_admin or school.pk in scope.schools_with(*SCHOOL_WIDE_ROLES),
    })


@login_required
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk:
        plan = selectors.plan_get_for_user(user=request.user, pk=pk)
        school = plan.school
        initial = {"plan_type": plan.plan_type, "text": plan.text, "responsible": plan.responsible_id,
                   "last_reviewed_on": plan.last_reviewed_on}
    else:
        plan, school = None, _pick_school(request, roles=SCHOOL_WIDE_ROLES)
        initial = {"plan_type": request.GET.get("type", ""), "last_reviewed_on": timezone.localdate()}
    scope = scope_of(request.user)
    if not (scope.is_admin or school.pk in scope.schools_with(*SCHOOL_WIDE_ROLES)):
        raise PermissionDenied(_("Only the principal or the school's offices may do this."))
    form = forms.EmergencyPlanForm(request.POST or None, school=school, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_plan_save(user=request.user, school=school, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('safety:plans')}?school={school.pk}")
    return render(request, "safety/plan_form.html", {"form": form, "plan": plan, "school": school})


@login_required
def drill_new(request: HttpRequest) -> HttpResponse:
    school = _pick_school(request, roles=SCHOOL_WIDE_ROLES)
    plans = selectors.plan_list(user=request.user, school_id=school.pk)
    form = forms.DrillForm(request.POST or None, plans=plans, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_record(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Drill recorded."))
            return redirect(f"{reverse('safety:plans')}?school={school.pk}")
    return render(request, "safety/drill_form.html", {"form": form, "school": school})


# --- inspections ------------------------------------------------------------------------------
@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not (scope.sees_city or scope.district_ids or scope.staff_school_ids):
        raise PermissionDenied(_("Only staff may see inspections."))
    page = Paginator(selectors.inspection_list(user=request.user), 50).get_page(request.GET.get("page"))
    overdue = selectors.overdue_items(user=request.user) if (scope.sees_city or scope.district_ids) else None
    return render(request, "safety/inspection_list.html", {
        "page": page, "overdue": overdue[:100] if overdue is not None else None,
        "can_record": scope.sees_city,
    })


@login_required
def inspection_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.sees_city:
        raise PermissionDenied(_("Only education-bureau staff may do this."))
    User = get_user_model()
    inspectors = User.objects.filter(pk__in=RoleAssignment.objects.active().filter(role=Role.BUREAU)
                                     .values("user_id")).order_by("name")
    form = forms.InspectionForm(request.POST or None, schools=School.objects.filter(active=True),
                                inspectors=inspectors,
                                initial={"inspected_on": timezone.localdate(), "inspectors": [request.user.pk]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_record(
                user=request.user, school=data["school"], inspected_on=data["inspected_on"],
                inspectors=data["inspectors"], summary=data["summary"],
                scores={c: data[f"score_{c}"] for c in ("organisation", "staffing", "content", "safety")},
                findings={c: data[f"findings_{c}"] for c in ("organisation", "staffing", "content", "safety")},
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Inspection recorded. Add the rectification items."))
            return redirect("safety:inspection_detail", pk=inspection.pk)
    return render(request, "safety/inspection_form.html", {"form": form})


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get_for_user(user=request.user, pk=pk)
    scope = scope_of(request.user)
    is_bureau = scope.sees_city
    item_form = forms.RectificationItemForm(request.POST or None, school=inspection.school)
    if request.method == "POST":
        if not is_bureau:
            raise PermissionDenied(_("Only education-bureau staff may do this."))
        if item_form.is_valid():
            try:
                services.rectification_item_add(user=request.user, inspection=inspection, **item_form.cleaned_data)
            except DomainError as exc:
                _form_error(item_form, exc)
            else:
                messages.success(request, _("Rectification item added; the school is notified."))
                return redirect("safety:inspection_detail", pk=inspection.pk)
    items = list(inspection.items.select_related("owner", "responded_by", "reviewed_by"))
    lead = scope.is_admin or inspection.school_id in scope.schools_with(*SCHOOL_WIDE_ROLES)
    for item in items:
        item.can_respond = item.status in RectificationItem.OPEN_STATES and (lead or item.owner_id == request.user.pk)
        item.can_review = is_bureau and item.status == RectificationItem.Status.RESPONDED
    return render(request, "safety/inspection_detail.html", {
        "inspection": inspection, "items": items, "item_form": item_form if is_bureau else None,
        "inspectors": list(inspection.inspectors.all()), "response_form": forms.ItemResponseForm(),
        "review_form": forms.ItemReviewForm(),
        "history": list(inspection.history.select_related("history_user").order_by("-history_date")[:10]),
    })


def _post_on_item(request, pk, form_class, action):
    item = get_for_user(RectificationItem.objects.select_related("inspection"), request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(item, form.cleaned_data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect("safety:inspection_detail", pk=item.inspection_id)


@login_required
@require_POST
def item_respond(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_item(request, pk, forms.ItemResponseForm, lambda item, d: services.rectification_item_respond(
        item=item, user=request.user, response=d["response"]))


@login_required
@require_POST
def item_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_on_item(request, pk, forms.ItemReviewForm, lambda item, d: services.rectification_item_review(
        item=item, user=request.user, decision=d["decision"], note=d["note"]))
