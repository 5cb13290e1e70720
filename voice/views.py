"""Pages of parent voice. Thin: parse input, call a service or selector, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scoping import scope_of
from schools.models import District, School, Term
from shahe_afterschool.errors import DomainError
from shahe_afterschool.exports import xlsx_response
from shahe_afterschool.ids import parse_int

from . import selectors, services
from .audiences import SCHOOL_AUTHOR_ROLES
from .forms import AnnouncementForm, AnswerForm, QuestionForm, QuestionnaireForm
from .models import Questionnaire


def _is_author(user) -> bool:
    scope = scope_of(user)
    return scope.sees_city or bool(scope.schools_with(*SCHOOL_AUTHOR_ROLES))


def _form_error(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


# --- announcements --------------------------------------------------------------------------------

@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.announcement_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "voice/announcement_list.html", {"page": page, "may_publish": _is_author(request.user)})


@login_required
def announcement_new(request: HttpRequest) -> HttpResponse:
    if not _is_author(request.user):
        raise PermissionDenied
    form = AnnouncementForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = services.announcement_publish(
                author=request.user, title=data["title"], body=data["body"], rules=form.rules,
                must_read=data["must_read"], include_parents=data["include_parents"],
                include_staff=data["include_staff"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Announcement published to %(n)s people.")
                             % {"n": announcement.receipts.values("user").distinct().count()})
            return redirect("voice:announcement", announcement.pk)
    return render(request, "voice/announcement_form.html", {"form": form})


@login_required
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = selectors.announcement_get_for_user(user=request.user, pk=pk)
    services.announcement_mark_read(announcement=announcement, user=request.user)
    stats = selectors.announcement_read_stats(user=request.user, announcement=announcement)
    return render(request, "voice/announcement_detail.html", {
        "announcement": announcement, "stats": stats,
        "may_manage": services.may_manage(request.user, announcement),
    })


@login_required
@require_POST
def announcement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = selectors.announcement_get_for_user(user=request.user, pk=pk)
    if not services.may_manage(request.user, announcement):
        raise PermissionDenied
    services.announcement_withdraw(announcement=announcement, user=request.user)
    messages.success(request, _("The announcement was withdrawn."))
    return redirect("voice:announcements")


# --- questionnaires -------------------------------------------------------------------------------

@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.questionnaire_list(user=request.user), 30).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    if not scope.is_staff_member:  # a parent sees whether they answered, not the questionnaire's state
        selectors.parent_answer_states(user=request.user, questionnaires=page.object_list)
    term = Term.current()
    term_survey = None
    if scope.sees_city and term is not None:
        term_survey = Questionnaire.objects.filter(term=term, kind=Questionnaire.Kind.TERM_SATISFACTION).first()
    return render(request, "voice/questionnaire_list.html", {
        "page": page, "may_create": _is_author(request.user), "is_staff_view": scope.is_staff_member,
        "may_launch_term_survey": scope.sees_city and term is not None and term_survey is None,
        "term": term, "term_survey": term_survey,
    })


@login_required
def questionnaire_new(request: HttpRequest) -> HttpResponse:
    if not _is_author(request.user):
        raise PermissionDenied
    form = QuestionnaireForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            questionnaire = services.questionnaire_create(
                author=request.user, title=data["title"], intro=data["intro"], rules=form.rules,
                per=data["per"], anonymous=data["anonymous"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Questionnaire saved as a draft. Add its questions, then open it."))
            return redirect("voice:questionnaire", questionnaire.pk)
    return render(request, "voice/questionnaire_form.html", {"form": form})


@login_required
@require_POST
def term_survey_launch(request: HttpRequest) -> HttpResponse:
    if not scope_of(request.user).sees_city:
        raise PermissionDenied
    try:
        questionnaire = services.term_survey_launch(user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("voice:questionnaires")
    messages.success(request, _("The term satisfaction survey is open: %(n)s parents were asked.")
                     % {"n": questionnaire.invitations.values("user").distinct().count()})
    return redirect("voice:results", questionnaire.pk)


def _managed(request, pk) -> Questionnaire:
    """The questionnaire for a staff page: 404 outside the user's results scope."""
    return selectors.questionnaire_results_get_for_user(user=request.user, pk=pk)


@login_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for_user(user=request.user, pk=pk)
    if not Questionnaire.objects.managed_by(request.user).filter(pk=questionnaire.pk).exists():
        return redirect("voice:answer", questionnaire.pk)
    questions = list(questionnaire.questions.prefetch_related("choices"))
    may_manage = services.may_manage(request.user, questionnaire)
    form = QuestionForm() if may_manage and questionnaire.status == Questionnaire.Status.DRAFT else None
    return render(request, "voice/questionnaire_detail.html", {
        "questionnaire": questionnaire, "questions": questions, "may_manage": may_manage, "form": form,
        "rules": list(questionnaire.audience.rules.all()),
    })


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for_user(user=request.user, pk=pk)  # visible, not the owner: 403
    if not services.may_manage(request.user, questionnaire):
        raise PermissionDenied
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(user=request.user, questionnaire=questionnaire, kind=form.cleaned_data["kind"],
                                  text=form.cleaned_data["text"], choices=form.choice_list,
                                  required=form.cleaned_data["required"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect("voice:questionnaire", questionnaire.pk)
    questions = list(questionnaire.questions.prefetch_related("choices"))
    return render(request, "voice/questionnaire_detail.html", {
        "questionnaire": questionnaire, "questions": questions, "may_manage": True, "form": form,
        "rules": list(questionnaire.audience.rules.all()),
    }, status=400)


@login_required
@require_POST
def questionnaire_open(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for_user(user=request.user, pk=pk)  # visible, not the owner: 403
    if not services.may_manage(request.user, questionnaire):
        raise PermissionDenied
    try:
        count = services.questionnaire_open(user=request.user, questionnaire=questionnaire)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The questionnaire is open: %(n)s invitations sent.") % {"n": count})
    return redirect("voice:questionnaire", questionnaire.pk)


@login_required
@require_POST
def questionnaire_close(request: HttpRequest, pk: int) -> HttpResponse:
    # Parents who were asked see the questionnaire: closing it is then refused (403), not hidden (404).
    questionnaire = selectors.questionnaire_get_for_user(user=request.user, pk=pk)
    if not services.may_manage(request.user, questionnaire):
        raise PermissionDenied
    try:
        services.questionnaire_close(user=request.user, questionnaire=questionnaire)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The questionnaire is closed."))
    return redirect("voice:questionnaire", questionnaire.pk)


@login_required
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent's page (phone-first): choose the child if asked per child, answer, or see that
    it is done (and the own answers of a named questionnaire)."""
    questionnaire = selectors.questionnaire_get_for_user(user=request.user, pk=pk)
    invitations = selectors.parent_invitations(user=request.user, questionnaire=questionnaire)
    if not invitations or questionnaire.status == Questionnaire.Status.DRAFT:
        raise PermissionDenied
    # Per child: answered when any guardian has answered for that child (the invitation rows of
    # the other guardian are updated too).
    pending = [inv for inv in invitations if inv.answered_on is None]
    chosen = None
    if questionnaire.per == Questionnaire.Per.CHILD:
        wanted = request.POST.get("student") or request.GET.get("student")
        chosen = next((inv for inv in pending if str(inv.student_id) == str(wanted)), None)
        if chosen is None and len(pending) == 1:
            chosen = pending[0]
    elif pending:
        chosen = pending[0]
    questions = list(questionnaire.questions.prefetch_related("choices"))
    form = None
    status = 200
    if chosen is not None and questionnaire.status == Questionnaire.Status.OPEN:
        form = AnswerForm(request.POST or None, questionnaire=questionnaire, questions=questions)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.survey_answer(user=request.user, questionnaire=questionnaire, answers=form.answers(),
                                           student=chosen.student)
                except DomainError as exc:
                    _form_error(form, exc)
                    status = 409 if exc.status_code == 409 else 400
                else:
                    messages.success(request, _("Thank you. Your answers were recorded."))
                    return redirect("voice:answer", questionnaire.pk)
            else:
                status = 400
    elif request.method == "POST" and questionnaire.status == Questionnaire.Status.CLOSED:
        messages.error(request, _("This questionnaire has closed; answers are no longer accepted."))
        status = 409
    return render(request, "voice/answer.html", {
        "questionnaire": questionnaire, "invitations": invitations, "pending": pending, "chosen": chosen,
        "form": form, "own": selectors.own_answers(user=request.user, questionnaire=questionnaire),
    }, status=status)


def _int_param(request, name):
    return parse_int(request.GET.get(name))


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _managed(request, pk)
    school_id, district_id = _int_param(request, "school"), _int_param(request, "district")
    data = selectors.questionnaire_results(user=request.user, questionnaire=questionnaire,
                                           school_id=school_id, district_id=district_id)
    scope = scope_of(request.user)
    return render(request, "voice/results.html", {
        "questionnaire": questionnaire, "r": data, "school_id": school_id, "district_id": district_id,
        "filter_school": School.objects.filter(pk=school_id).first() if school_id else None,
        "filter_district": District.objects.filter(pk=district_id).first() if district_id else None,
        "may_manage": services.may_manage(request.user, questionnaire), "sees_city": scope.sees_city,
    })


@login_required
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _managed(request, pk)
    data = selectors.questionnaire_results(user=request.user, questionnaire=questionnaire)
    question_rows = []
    for result in data["questions"]:
        q = result.question
        if result.choices:
            for choice, n, pct in result.choices:
                question_rows.append([q.position, q.text, choice.text, n, pct])
        elif result.ratings:
            for rating, n, pct in result.ratings:
                question_rows.append([q.position, q.text, rating, n, pct])
            question_rows.append([q.position, q.text, _("Satisfaction index"), result.mean, result.index])
        else:
            question_rows.append([q.position, q.text, _("Written answers"), result.text_count, None])
    school_rows = [[s["code"], s["name"], s["district"], s["invited"], s["responses"], s["rate"], s["index"],
                    *s["by_question"]] for s in data["schools"]]
    per_question = [_("Index, question %(n)s") % {"n": q.position} for q in data["rating_questions"]]
    district_rows = [[d["name"] or _("City-direct"), d["invited"], d["responses"], d["rate"], d["index"]]
                     for d in data["districts"]]
    sheets = [
        (_("Questions"), [_("No."), _("Question"), _("Answer"), _("Count"), _("Percent")], question_rows),
        (_("Schools"), [_("Code"), _("School"), _("District"), _("Asked"), _("Responses"), _("Response rate %"),
                        _("Satisfaction index"), *per_question], school_rows),
        (_("Districts"), [_("District"), _("Asked"), _("Responses"), _("Response rate %"),
                          _("Satisfaction index")], district_rows),
    ]
    if services.may_manage(request.user, questionnaire):
        texts = [[a.question.position, a.question.text, a.response.school.name, a.text,
                  str(a.response.respondent or "") if not questionnaire.anonymous else ""]
                 for a in selectors.text_answers(user=request.user, questionnaire=questionnaire)]
        sheets.append((_("Written answers"), [_("No."), _("Question"), _("School"), _("Answer"), _("Parent")], texts))
    return xlsx_response(f"questionnaire-{questionnaire.pk}-results.xlsx", sheets)


@login_required
def text_answers(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = _managed(request, pk)
    if not services.may_manage(request.user, questionnaire):
        raise PermissionDenied
    page = Paginator(selectors.text_answers(user=request.user, questionnaire=questionnaire), 50).get_page(
        request.GET.get("page"))
    return render(request, "voice/text_answers.html", {"questionnaire": questionnaire, "page": page})

