"""Writes of parent voice: announcements, questionnaires, answers."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.scoping import scope_of
from schools.models import Guardianship, Student, Term
from shahe_afterschool.errors import ConflictError, DomainError
from shahe_afterschool.queue import enqueue

from .audiences import SCHOOL_AUTHOR_ROLES, audience_kind
from .models import (
    Announcement,
    AnnouncementReceipt,
    Answer,
    Audience,
    AudienceRule,
    Choice,
    Question,
    Questionnaire,
    SurveyInvitation,
    SurveyResponse,
)

MAX_CHOICES = 20


@dataclass(frozen=True)
class Rule:
    kind: str
    ids: tuple[int, ...] = ()


# --- audiences ------------------------------------------------------------------------------------

def _author_school(*, user, school=None):
    """The school an author writes for: None for the bureau; their school for a school author."""
    scope = scope_of(user)
    if scope.sees_city and school is None:
        return None
    allowed = scope.schools_with(*SCHOOL_AUTHOR_ROLES)
    if school is not None and school.pk in allowed:
        return school
    if school is None and len(allowed) == 1:
        from schools.models import School

        return School.objects.get(pk=next(iter(allowed)))
    raise DomainError(gettext_lazy("You may not publish to parents."))


def audience_create(*, user, rules: Sequence[Rule], include_parents: bool = True,
                    include_staff: bool = False) -> Audience:
    """Check that `user` may address every rule, then store them."""
    if not rules:
        raise DomainError(gettext_lazy("Choose who it is for."), field="targets")
    if not include_parents and not include_staff:
        raise DomainError(gettext_lazy("Choose parents, staff or both."), field="include_parents")
    scope = scope_of(user)
    for rule in rules:
        kind = audience_kind(rule.kind)
        if kind is None or (kind.needs_ids and not rule.ids) or not kind.allowed(scope, rule.ids):
            raise DomainError(gettext_lazy("You may not address this audience."), field="targets")
        if include_staff and kind.staff is None:
            raise DomainError(gettext_lazy("This audience has no staff to address."), field="include_staff")
    audience = Audience(include_parents=include_parents, include_staff=include_staff)
    audience.full_clean()
    audience.save()
    for rule in rules:
        row = AudienceRule(audience=audience, kind=rule.kind, target_ids=sorted(set(rule.ids)))
        row.full_clean()
        row.save()
    return audience


def audience_students(audience: Audience):
    """The enrolled children an audience reaches (a queryset, one query when evaluated)."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for rule in audience.rules.all():
        kind = audience_kind(rule.kind)
        if kind is not None:
            q |= Q(pk__in=kind.students(rule.target_ids).values("pk"))
    return Student.objects.filter(q)


def audience_staff(audience: Audience):
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    q = Q(pk__in=[])
    for rule in audience.rules.all():
        kind = audience_kind(rule.kind)
        if kind is not None and kind.staff is not None:
            q |= Q(pk__in=kind.staff(rule.target_ids).values("pk"))
    return get_user_model().objects.filter(q)


def _guardian_links(students) -> list[tuple[int, int, int, int]]:
    """(guardian id, student id, school id, class id) for active guardians of active accounts."""
    return list(
        Guardianship.objects.active()
        .filter(student__in=students, guardian__is_active=True)
        .order_by("guardian_id", "student_id")
        .values_list("guardian_id", "student_id", "student__school_id", "student__homeroom_class_id")
    )


def _staff_schools(user_ids: Iterable[int], school_ids: set[int] | None) -> dict[int, int | None]:
    """One school per member of staff (their first, inside the audience's schools)."""
    from accounts.models import RoleAssignment

    found: dict[int, int | None] = dict.fromkeys(user_ids)
    rows = (RoleAssignment.objects.active().filter(user_id__in=list(found), school__isnull=False)
            .order_by("user_id", "school_id").values_list("user_id", "school_id"))
    for user_id, school_id in rows:
        if found[user_id] is None and (school_ids is None or school_id in school_ids):
            found[user_id] = school_id
    return found


# --- announcements --------------------------------------------------------------------------------

def announcement_publish(*, author, title: str, body: str, rules: Sequence[Rule], must_read: bool = False,
                         include_parents: bool = True, include_staff: bool = False, school=None) -> Announcement:
    """Publish an announcement: record the audience, snapshot the recipients as receipts, and
    deliver it (inbox + channels) after commit in a task."""
    with transaction.atomic():
        owner_school = _author_school(user=author, school=school)
        audience = audience_create(user=author, rules=rules, include_parents=include_parents,
                                   include_staff=include_staff)
        announcement = Announcement(title=(title or "").strip(), body=(body or "").strip(), must_read=must_read,
                                    school=owner_school, audience=audience, author=author,
                                    published_at=timezone.now())
        announcement.full_clean()
        announcement.save()
        receipts = []
        if include_parents:
            for guardian_id, _student_id, school_id, class_id in _guardian_links(audience_students(audience)):
                receipts.append(AnnouncementReceipt(announcement=announcement, user_id=guardian_id,
                                                    audience=AnnouncementReceipt.Audience.PARENT,
                                                    school_id=school_id, homeroom_class_id=class_id))
        if include_staff:
            staff_ids = list(audience_staff(audience).values_list("pk", flat=True))
            for user_id, school_id in _staff_schools(staff_ids, None).items():
                receipts.append(AnnouncementReceipt(announcement=announcement, user_id=user_id,
                                                    audience=AnnouncementReceipt.Audience.STAFF, school_id=school_id))
        AnnouncementReceipt.objects.bulk_create(receipts, ignore_conflicts=True, batch_size=2000)
        if not receipts:
            raise DomainError(gettext_lazy("Nobody is in this audience yet."), field="targets")

        def deliver():
            enqueue("voice.tasks.announcement_deliver", announcement.pk)

        transaction.on_commit(deliver)
    return announcement


def announcement_deliver(*, announcement_id: int) -> int:
    """Put the announcement into every recipient's inbox (and the configured channels). Safe to run
    twice: the dedupe key makes a second run notify nobody."""
    from django.contrib.auth import get_user_model

    from notices.services import notify

    announcement = Announcement.objects.get(pk=announcement_id)
    if announcement.withdrawn:
        return 0
    user_ids = set(announcement.receipts.values_list("user_id", flat=True))
    users = list(get_user_model().objects.filter(pk__in=user_ids))
    created = notify(recipients=users, kind="voice.announcement", title=announcement.title,
                     body=announcement.body[:500], link=reverse("voice:announcement", args=[announcement.pk]),
                     must_read=announcement.must_read, dedupe_key=f"voice.announcement.{announcement.pk}")
    return len(created)


def announcement_mark_read(*, announcement: Announcement, user) -> bool:
    """A recipient opened it: mark all their receipts read (once). True if this was the first time."""
    return bool(AnnouncementReceipt.objects.filter(announcement=announcement, user=user, read_at__isnull=True)
                .update(read_at=timezone.now()))


def announcement_withdraw(*, announcement: Announcement, user) -> Announcement:
    scope = scope_of(user)
    if not _may_manage(scope, announcement.school_id):
        raise DomainError(gettext_lazy("Only the sender may withdraw this announcement."))
    if not announcement.withdrawn:
        announcement.withdrawn = True
        announcement.save(update_fields=["withdrawn"])
    return announcement


def _may_manage(scope, school_id) -> bool:
    if school_id is None:
        return scope.sees_city
    return school_id in scope.schools_with(*SCHOOL_AUTHOR_ROLES)


def may_manage(user, obj) -> bool:
    """May this user edit, open, close, withdraw this announcement or questionnaire (the owner)?"""
    return _may_manage(scope_of(user), obj.school_id)


# --- questionnaires -------------------------------------------------------------------------------

def questionnaire_create(*, author, title: str, rules: Sequence[Rule], intro: str = "",
                         per: str = Questionnaire.Per.FAMILY, anonymous: bool = True, term: Term | None = None,
                         school=None, kind: str = Questionnaire.Kind.CUSTOM) -> Questionnaire:
    with transaction.atomic():
        owner_school = _author_school(user=author, school=school)
        audience = audience_create(user=author, rules=rules, include_parents=True, include_staff=False)
        questionnaire = Questionnaire(title=(title or "").strip(), intro=(intro or "").strip(), per=per,
                                      anonymous=anonymous, term=term or Term.current(), school=owner_school,
                                      audience=audience, author=author, kind=kind)
        questionnaire.full_clean()
        questionnaire.save()
    return questionnaire


def _require_manager(user, questionnaire: Questionnaire) -> None:
    if not may_manage(user, questionnaire):
        raise DomainError(gettext_lazy("Only the owner of this questionnaire may change it."))


def question_add(*, user, questionnaire: Questionnaire, kind: str, text: str, choices: Sequence[str] = (),
                 required: bool = True, code: str = "") -> Question:
    _require_manager(user, questionnaire)
    if questionnaire.status != Questionnaire.Status.DRAFT:
        raise ConflictError(gettext_lazy("Questions can only be changed while the questionnaire is a draft."))
    choices = [c.strip() for c in choices if c and c.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(choices) < 2:
            raise DomainError(gettext_lazy("Give at least two choices, one per line."), field="choices")
        if len(choices) > MAX_CHOICES:
            raise DomainError(gettext_lazy("Give at most 20 choices."), field="choices")
        if len(set(choices)) != len(choices):
            raise DomainError(gettext_lazy("Two choices are the same."), field="choices")
    else:
        choices = []
    with transaction.atomic():
        last = questionnaire.questions.order_by("-position").values_list("position", flat=True).first() or 0
        question = Question(questionnaire=questionnaire, position=last + 1, kind=kind, text=(text or "").strip(),
                            required=required, code=code)
        question.full_clean()
        question.save()
        for i, label in enumerate(choices, start=1):
            choice = Choice(question=question, position=i, text=label)
            choice.full_clean()
            choice.save()
    return question


def questionnaire_open(*, user, questionnaire: Questionnaire) -> int:
    """Open a draft: snapshot the parents asked (one invitation per guardian and child, or per
    guardian for a family questionnaire) and tell them after commit. Returns the invitations made."""
    _require_manager(user, questionnaire)
    with transaction.atomic():
        locked = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        if locked.status != Questionnaire.Status.DRAFT:
            raise ConflictError(gettext_lazy("Only a draft can be opened."))
        if not locked.questions.exists():
            raise DomainError(gettext_lazy("Add at least one question before opening."))
        invitations = []
        seen_families = set()
        for guardian_id, student_id, school_id, _class_id in _guardian_links(audience_students(locked.audience)):
            if locked.per == Questionnaire.Per.CHILD:
                invitations.append(SurveyInvitation(questionnaire=locked, user_id=guardian_id,
                                                    student_id=student_id, school_id=school_id))
            elif guardian_id not in seen_families:
                seen_families.add(guardian_id)
                invitations.append(SurveyInvitation(questionnaire=locked, user_id=guardian_id, school_id=school_id))
        if not invitations:
            raise DomainError(gettext_lazy("Nobody is in this audience yet."))
        SurveyInvitation.objects.bulk_create(invitations, ignore_conflicts=True, batch_size=2000)
        locked.status = Questionnaire.Status.OPEN
        locked.opened_at = timezone.now()
        locked.save(update_fields=["status", "opened_at"])

        def tell():
            enqueue("voice.tasks.questionnaire_notify", locked.pk)

        transaction.on_commit(tell)
    questionnaire.refresh_from_db()
    return len(invitations)


def questionnaire_notify(*, questionnaire_id: int) -> int:
    """Tell the parents asked; safe to run twice (dedupe key)."""
    from django.contrib.auth import get_user_model

    from notices.services import notify

    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    user_ids = set(questionnaire.invitations.values_list("user_id", flat=True))
    users = list(get_user_model().objects.filter(pk__in=user_ids))
    created = notify(recipients=users, kind="voice.questionnaire", title=questionnaire.title,
                     body=questionnaire.intro[:500] or gettext_lazy("Please answer this questionnaire."),
                     link=reverse("voice:answer", args=[questionnaire.pk]),
                     dedupe_key=f"voice.questionnaire.{questionnaire.pk}")
    return len(created)


def questionnaire_close(*, user, questionnaire: Questionnaire) -> Questionnaire:
    _require_manager(user, questionnaire)
    updated = Questionnaire.objects.filter(pk=questionnaire.pk, status=Questionnaire.Status.OPEN).update(
        status=Questionnaire.Status.CLOSED, closed_at=timezone.now())
    questionnaire.refresh_from_db()
    if not updated and questionnaire.status != Questionnaire.Status.CLOSED:
        raise ConflictError(gettext_lazy("Only an open questionnaire can be closed."))
    return questionnaire


def _validate_answers(questionnaire: Questionnaire, answers: dict) -> list[Answer]:
    """`answers` maps question id -> choice id, [choice ids], rating 1-5 or text. Returns unsaved
    Answer rows, or raises DomainError naming the question."""
    rows: list[Answer] = []
    questions = list(questionnaire.questions.prefetch_related("choices"))
    for question in questions:
        value = answers.get(question.pk)
        field = f"q{question.pk}"
        empty = value in (None, "", [], ())
        if empty:
            if question.required:
                raise DomainError(gettext_lazy("Please answer this question."), field=field)
            continue
        valid_choices = {c.pk: c for c in question.choices.all()}
        if question.kind == Question.Kind.SINGLE:
            try:
                choice = valid_choices[int(value)]
            except (KeyError, TypeError, ValueError):
                raise DomainError(gettext_lazy("Choose one of the answers offered."), field=field) from None
            rows.append(Answer(question=question, choice=choice))
        elif question.kind == Question.Kind.MULTIPLE:
            values = value if isinstance(value, list | tuple) else [value]
            try:
                picked = {valid_choices[int(v)] for v in values}
            except (KeyError, TypeError, ValueError):
                raise DomainError(gettext_lazy("Choose among the answers offered."), field=field) from None
            rows.extend(Answer(question=question, choice=c) for c in sorted(picked, key=lambda c: c.position))
        elif question.kind == Question.Kind.RATING:
            try:
                rating = int(value)
            except (TypeError, ValueError):
                rating = 0
            if not 1 <= rating <= 5:
                raise DomainError(gettext_lazy("Give a rating from 1 to 5."), field=field)
            rows.append(Answer(question=question, rating=rating))
        else:
            text = str(value).strip()
            if len(text) > 1000:
                raise DomainError(gettext_lazy("Keep the answer under 1000 characters."), field=field)
            if text:
                rows.append(Answer(question=question, text=text))
            elif question.required:
                raise DomainError(gettext_lazy("Please answer this question."), field=field)
    return rows


def survey_answer(*, user, questionnaire: Questionnaire, answers: dict, student: Student | None = None
                  ) -> SurveyResponse:
    """Store one answer of a parent, once per child (or family).

    Who has answered is recorded on the invitation with a compare-and-swap update, so two
    concurrent submissions for the same child store one response. An anonymous response is
    written without user or child.
    """
    if questionnaire.status == Questionnaire.Status.CLOSED:
        raise ConflictError(gettext_lazy("This questionnaire has closed; answers are no longer accepted."))
    if questionnaire.status != Questionnaire.Status.OPEN:
        raise ConflictError(gettext_lazy("This questionnaire is not open."))
    invitations = SurveyInvitation.objects.filter(questionnaire=questionnaire, user=user)
    if questionnaire.per == Questionnaire.Per.CHILD:
        if student is None:
            raise DomainError(gettext_lazy("Choose the child you answer for."), field="student")
        invitation = invitations.filter(student=student).first()
        if invitation is None:
            raise DomainError(gettext_lazy("You were not asked this questionnaire for this child."), field="student")
        claim = SurveyInvitation.objects.filter(questionnaire=questionnaire, student=student)
    else:
        invitation = invitations.filter(student__isnull=True).first()
        if invitation is None:
            raise DomainError(gettext_lazy("You were not asked this questionnaire."))
        claim = SurveyInvitation.objects.filter(pk=invitation.pk)
    rows = _validate_answers(questionnaire, answers)
    today = timezone.localdate()
    with transaction.atomic():
        # Re-check the status inside the transaction: a close that lands first wins.
        if not Questionnaire.objects.filter(pk=questionnaire.pk, status=Questionnaire.Status.OPEN).exists():
            raise ConflictError(gettext_lazy("This questionnaire has closed; answers are no longer accepted."))
        # Compare-and-swap: of two concurrent submissions only one sees unanswered rows.
        already = claim.filter(answered_on__isnull=False).exists()
        if already or not claim.filter(answered_on__isnull=True).update(answered_on=today):
            raise ConflictError(gettext_lazy("This questionnaire has already been answered."))
        named = not questionnaire.anonymous
        response = SurveyResponse(questionnaire=questionnaire, school_id=invitation.school_id, submitted_on=today,
                                  respondent=user if named else None,
                                  student=student if named and student is not None else None)
        response.full_clean()
        try:
            response.save(force_insert=True)
        except IntegrityError as exc:  # pragma: no cover - uuid clash
            raise ConflictError(gettext_lazy("Please submit again.")) from exc
        for row in rows:
            row.response = response
        Answer.objects.bulk_create(rows)
    return response


# --- the ready-made term satisfaction survey ------------------------------------------------------

#: code, question (English source, translated when the survey is launched), kind
TERM_SURVEY_QUESTIONS = [
    ("time", gettext_lazy("How satisfied are you with the service times (noon and after school)?"),
     Question.Kind.RATING),
    ("content", gettext_lazy("How satisfied are you with the content: homework help, clubs and activities?"),
     Question.Kind.RATING),
    ("safety", gettext_lazy("How satisfied are you with safety: supervision, hand-over and pickup?"),
     Question.Kind.RATING),
    ("teachers", gettext_lazy("How satisfied are you with the teachers who run the service?"), Question.Kind.RATING),
    ("overall", gettext_lazy("Overall, how satisfied are you with the after-school service this term?"),
     Question.Kind.RATING),
    ("suggestions", gettext_lazy("What should the school or the bureau improve?"), Question.Kind.TEXT),
]


def term_survey_launch(*, user, term: Term | None = None) -> Questionnaire:
    """The bureau launches the term satisfaction survey to every school's parents in one step:
    anonymous, once per child, five ratings (time, content, safety, teachers, overall) and one
    free-text suggestion. Refused if this term's survey exists already."""
    scope = scope_of(user)
    if not scope.sees_city:
        raise DomainError(gettext_lazy("Only the bureau launches the term satisfaction survey."))
    term = term or Term.current()
    if term is None:
        raise DomainError(gettext_lazy("There is no term yet."))
    with transaction.atomic():
        if Questionnaire.objects.filter(term=term, kind=Questionnaire.Kind.TERM_SATISFACTION).exists():
            raise ConflictError(gettext_lazy("The satisfaction survey of this term has already been launched."))
        questionnaire = questionnaire_create(
            author=user, title=_("After-school service satisfaction survey, %(term)s") % {"term": term.name},
            intro=_("Your answers are anonymous. They help the school and the bureau improve the service."),
            rules=[Rule("city")], per=Questionnaire.Per.CHILD, anonymous=True, term=term,
            kind=Questionnaire.Kind.TERM_SATISFACTION,
        )
        for code, text, kind in TERM_SURVEY_QUESTIONS:
            question_add(user=user, questionnaire=questionnaire, kind=kind, text=str(text),
                         required=kind != Question.Kind.TEXT, code=code)
        questionnaire_open(user=user, questionnaire=questionnaire)
    return questionnaire
