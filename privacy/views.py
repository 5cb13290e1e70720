"""Pages of the privacy app. Thin: they parse input, call selectors/services and render."""
from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of
from accounts.services import audit_record
from shahe_afterschool.errors import DomainError

from . import notice, selectors, services
from .forms import AuditSearchForm, ConsentForm, CorrectionDoneForm, CorrectionRequestForm, HistorySearchForm
from .models import CorrectionRequest
from .registry import object_type_label

PAGE_SIZE = 50


@require_safe
def notice_page(request: HttpRequest) -> HttpResponse:
    """The privacy notice for children's information; public (linked from every page's footer)."""
    versions = {v.version: v for v in notice.VERSIONS}
    version = versions.get(request.GET.get("version", ""), notice.current())
    body = select_template([notice.template_for(version.version)])
    return render(request, "privacy/notice.html", {
        "version": version, "body_template": body.template.name, "versions": notice.VERSIONS,
        "current": notice.current(),
    })


@login_required
@require_safe
def consent(request: HttpRequest) -> HttpResponse:
    children = list(selectors.children_of_guardian(user=request.user))
    answers = selectors.consents_by_child(user=request.user, children=children)
    rows = [(child, answers.get(child.pk)) for child in children]
    return render(request, "privacy/consent.html", {"rows": rows, "current": notice.current(), "form": ConsentForm(),
                                                    "next": _safe_next(request, request.GET.get("next", ""))})


def _safe_next(request: HttpRequest, url: str) -> str:
    """A page of this site to go back to after consenting (the apply form that sent the parent here)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure()):
        return url
    return ""


@login_required
@require_POST
def consent_decide(request: HttpRequest, student_id: int) -> HttpResponse:
    child = selectors.child_get_for_guardian(user=request.user, pk=student_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to give or to refuse consent."))
        return redirect("privacy:consent")
    try:
        consent = services.consent_record(student=child, guardian=request.user,
                                          decision=form.cleaned_data["decision"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("privacy:consent")
    if form.cleaned_data["decision"] == "given":
        messages.success(request, _("Thank you. Your consent for %(name)s is recorded.") % {"name": child.name})
        back = _safe_next(request, request.POST.get("next", ""))
        if back:
            return redirect(back)
    else:
        messages.warning(request, _("Your refusal for %(name)s is recorded. Without consent the child cannot be "
                                    "enrolled in after-school services.") % {"name": child.name})
        for stopped in consent.stopped:  # e.g. the open application withdrawn
            messages.warning(request, stopped)
    return redirect("privacy:consent")


@login_required
@require_safe
def child_data(request: HttpRequest, student_id: int) -> HttpResponse:
    child = selectors.child_get_for_guardian(user=request.user, pk=student_id)
    data = selectors.child_data(student=child)
    audit_record(request=request, action=AuditEvent.Action.EXPORT, obj=child, detail="guardian data download (page)")
    return render(request, "privacy/child_data.html", {"child": child, "sections": data})


@login_required
@require_safe
def child_data_json(request: HttpRequest, student_id: int) -> HttpResponse:
    child = selectors.child_get_for_guardian(user=request.user, pk=student_id)
    data = selectors.child_data(student=child)
    audit_record(request=request, action=AuditEvent.Action.EXPORT, obj=child, detail="guardian data download (JSON)")
    body = json.dumps({"student_id": child.pk, "sections": data}, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="child-{child.pk}-data.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def correction_new(request: HttpRequest, student_id: int) -> HttpResponse:
    child = selectors.child_get_for_guardian(user=request.user, pk=student_id)
    form = CorrectionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correction_request_create(student=child, guardian=request.user, text=form.cleaned_data["text"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Your request is sent to the school's principal."))
            return redirect("privacy:corrections")
    return render(request, "privacy/correction_new.html", {"child": child, "form": form})


@login_required
@require_safe
def corrections(request: HttpRequest) -> HttpResponse:
    qs = (
        CorrectionRequest.objects.visible_to(request.user)
        .select_related("student", "student__school", "requested_by", "done_by")
        .order_by("status", "-created_at", "-id")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    principal_of = scope_of(request.user).schools_with(Role.PRINCIPAL)
    return render(request, "privacy/corrections.html", {
        "page": page, "principal_of": principal_of, "done_form": CorrectionDoneForm(),
    })


@login_required
@require_POST
def correction_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_for_user(CorrectionRequest.objects.select_related("student"), request.user, pk)
    scope = scope_of(request.user)
    if not (scope.is_admin or item.student.school_id in scope.schools_with(Role.PRINCIPAL)):
        raise PermissionDenied
    form = CorrectionDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please keep it under 2000 characters."))
        return redirect("privacy:corrections")
    try:
        services.correction_request_mark_done(request=item, user=request.user, response=form.cleaned_data["response"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Marked as done. The guardian is told."))
    return redirect("privacy:corrections")


def _search(form_class, request):
    form = form_class(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


@login_required
@require_safe
def audit_access(request: HttpRequest) -> HttpResponse:
    audit = selectors.audit_scope(user=request.user)
    form, filters = _search(AuditSearchForm, request)
    _audit_the_auditor(request, "access log", filters)
    events = selectors.access_log(user=request.user, **filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    subjects = selectors.describe_subjects(events=page.object_list, audit=audit)
    for e in page.object_list:
        e.kind_label = object_type_label(e.object_type) if e.object_type else ""  # "priority claim"
    rows = [(e, subjects.get((e.object_type, e.object_id), "")) for e in page.object_list]
    return render(request, "privacy/audit_access.html", {
        "form": form, "page": page, "rows": rows, "audit": audit,
    })


@login_required
@require_safe
def audit_changes(request: HttpRequest) -> HttpResponse:
    audit = selectors.audit_scope(user=request.user)
    form, filters = _search(HistorySearchForm, request)
    _audit_the_auditor(request, "change history", filters)
    kind = filters.pop("kind", "student")
    history = selectors.change_history(user=request.user, kind=kind, **filters)
    page = Paginator(history, PAGE_SIZE).get_page(request.GET.get("page"))
    changes = selectors.history_changes(rows=page.object_list, audit=audit)
    rows = [(h, changes.get(h.history_id, [])) for h in page.object_list]
    return render(request, "privacy/audit_changes.html", {
        "form": form, "page": page, "rows": rows, "audit": audit, "kind": kind,
    })


def _audit_the_auditor(request, what: str, filters: dict) -> None:
    """Searching the logs is itself logged (who searched what, with which filters). A child searched
    for is not named: the bureau reads this log too and must not see children's names."""
    shown = ", ".join(f"{k}={'…' if k == 'child' else v}" for k, v in sorted(filters.items()))
    audit_record(request=request, action=AuditEvent.Action.READ, object_type="privacy.audit",
                 detail=f"searched the {what}" + (f" ({shown})" if shown else ""))


