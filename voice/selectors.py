"""Reads of parent voice, always through `visible_to` / `managed_by`.

Satisfaction index (满意度指数): the mean of every answer to the rating questions (1-5) of a
questionnaire, scaled so that 1 is 0 and 5 is 100: `index = (mean - 1) / 4 * 100`, one decimal.
A school's index uses its own parents' answers; a district's and the city's pool the answers of
their schools (so a larger school weighs more, as each parent counts once).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.scoping import get_for_user, scope_of
from schools.models import Guardianship, School, Term

from .models import (
    Announcement,
    AnnouncementReceipt,
    Answer,
    Question,
    Questionnaire,
    SurveyInvitation,
    SurveyResponse,
    receipt_scope_q,
    response_scope_q,
)


def satisfaction_index(mean: float | None) -> float | None:
    if mean is None:
        return None
    return round((float(mean) - 1) / 4 * 100, 1)


# --- announcements --------------------------------------------------------------------------------

def announcement_list(*, user) -> QuerySet[Announcement]:
    """Announcements a user may see, with the user's own read state when they are a recipient."""
    mine = AnnouncementReceipt.objects.filter(announcement=OuterRef("pk"), user=user)
    return (Announcement.objects.visible_to(user).filter(withdrawn=False)
            .select_related("school", "author")
            .annotate(addressed_to_me=Exists(mine), unread_by_me=Exists(mine.filter(read_at__isnull=True))))


def announcement_get_for_user(*, user, pk) -> Announcement:
    return get_for_user(Announcement.objects.select_related("school", "author", "audience"), user, pk)


def announcement_read_stats(*, user, announcement: Announcement) -> dict | None:
    """Read counts per school (and per class for a school's own announcement), and the people who
    have not yet read a must-read notice: within what this member of staff may see. None for a
    user without a staff view (a parent)."""
    scope = scope_of(user)
    receipt_q = receipt_scope_q(scope)
    if receipt_q is None:
        return None
    receipts = AnnouncementReceipt.objects.filter(receipt_q, announcement=announcement)
    totals = receipts.aggregate(
        people=Count("user", distinct=True),
        read=Count("user", filter=Q(read_at__isnull=False), distinct=True),
        parents=Count("user", filter=Q(audience="parent"), distinct=True),
        parents_read=Count("user", filter=Q(audience="parent", read_at__isnull=False), distinct=True),
        staff=Count("user", filter=Q(audience="staff"), distinct=True),
        staff_read=Count("user", filter=Q(audience="staff", read_at__isnull=False), distinct=True),
    )
    by_school = list(
        receipts.values("school_id", "school__name", "school__code")
        .annotate(people=Count("user", distinct=True),
                  read=Count("user", filter=Q(read_at__isnull=False), distinct=True))
        .order_by("school__code")
    )
    by_class = list(
        receipts.filter(homeroom_class__isnull=False)
        .values("homeroom_class_id", "homeroom_class__name", "school__name", "school__code",
                "homeroom_class__grade__number")
        .annotate(people=Count("user", distinct=True),
                  read=Count("user", filter=Q(read_at__isnull=False), distinct=True))
        .order_by("school__code", "homeroom_class__grade__number", "homeroom_class__name")
    )
    for row in [totals, *by_school, *by_class]:
        row["percent"] = round(100 * row["read"] / row["people"], 1) if row["people"] else None
    unread = []
    if announcement.must_read:
        unread = announcement_unread(user=user, announcement=announcement)
    return {"totals": totals, "by_school": by_school, "by_class": by_class, "unread": unread}


def announcement_unread(*, user, announcement: Announcement, limit: int = 500) -> list[dict]:
    """Who has not read it, with their child in the class, for a homeroom teacher to follow up.
    Two queries whatever the number of rows."""
    scope = scope_of(user)
    receipt_q = receipt_scope_q(scope)
    if receipt_q is None:
        return []
    rows = list(
        AnnouncementReceipt.objects.filter(receipt_q, announcement=announcement, read_at__isnull=True)
        .select_related("user", "school", "homeroom_class")
        .order_by("school__code", "homeroom_class__name", "user__name")[:limit]
    )
    # The children of these parents in these classes: one query for all rows.
    pairs = {(r.user_id, r.homeroom_class_id) for r in rows if r.homeroom_class_id}
    children: dict[tuple[int, int], list[str]] = defaultdict(list)
    if pairs:
        links = (Guardianship.objects.active()
                 .filter(guardian_id__in={u for u, _c in pairs}, student__homeroom_class_id__in={c for _u, c in pairs})
                 .values_list("guardian_id", "student__homeroom_class_id", "student__name").order_by("student__name"))
        for guardian_id, class_id, name in links:
            if (guardian_id, class_id) in pairs:
                children[(guardian_id, class_id)].append(name)
    from accounts.privacy import mask_phone

    return [{"name": str(r.user), "phone": mask_phone(r.user.phone), "school": r.school.name if r.school else "",
             "class": r.homeroom_class.name if r.homeroom_class else "",
             "children": children.get((r.user_id, r.homeroom_class_id), []), "audience": r.audience}
            for r in rows]


# --- questionnaires -------------------------------------------------------------------------------

def questionnaire_list(*, user) -> QuerySet[Questionnaire]:
    """Staff: what they may manage or read results of; parents: what they were asked, not drafts."""
    scope = scope_of(user)
    qs = Questionnaire.objects.visible_to(user).select_related("school", "term")
    if not scope.is_staff_member:
        qs = qs.exclude(status=Questionnaire.Status.DRAFT)
    return qs.annotate(response_count=Count("responses", distinct=True)).order_by("-created_at", "-id")


def parent_answer_states(*, user, questionnaires) -> None:
    """On each questionnaire of a parent's list: `my_invited`, `my_answered` (children or family
    answered) and `my_answered_on` (the last day), from the parent's invitations. One query."""
    states: dict[int, dict] = {}
    for qid, answered_on in SurveyInvitation.objects.filter(
            user=user, questionnaire__in=[q.pk for q in questionnaires]).values_list("questionnaire_id", "answered_on"):
        state = states.setdefault(qid, {"invited": 0, "answered": 0, "on": None})
        state["invited"] += 1
        if answered_on:
            state["answered"] += 1
            state["on"] = max(filter(None, [state["on"], answered_on]))
    for q in questionnaires:
        state = states.get(q.pk, {"invited": 0, "answered": 0, "on": None})
        q.my_invited, q.my_answered, q.my_answered_on = state["invited"], state["answered"], state["on"]


def questionnaire_get_for_user(*, user, pk) -> Questionnaire:
    return get_for_user(Questionnaire.objects.select_related("school", "term", "audience"), user, pk)


def questionnaire_results_get_for_user(*, user, pk) -> Questionnaire:
    """The questionnaire if this member of staff may read its results, else 404."""
    qs = Questionnaire.objects.managed_by(user).select_related("school", "term")
    try:
        return qs.get(pk=pk)
    except (Questionnaire.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def parent_invitations(*, user, questionnaire: Questionnaire) -> list[SurveyInvitation]:
    """The parent's invitations for this questionnaire, each with its child (per child) or none."""
    return list(SurveyInvitation.objects.filter(questionnaire=questionnaire, user=user)
                .select_related("student", "student__homeroom_class", "school").order_by("student__name"))


def own_answers(*, user, questionnaire: Questionnaire) -> list[dict]:
    """A parent's own answers to a named questionnaire (anonymous ones cannot be found again)."""
    if questionnaire.anonymous:
        return []
    responses = (SurveyResponse.objects.filter(questionnaire=questionnaire, respondent=user)
                 .select_related("student").prefetch_related("answers__question", "answers__choice"))
    result = []
    for response in responses:
        by_question: dict[int, list] = defaultdict(list)
        questions = {}
        for answer in response.answers.all():
            questions[answer.question_id] = answer.question
            by_question[answer.question_id].append(
                answer.choice.text if answer.choice_id else (answer.rating if answer.rating else answer.text))
        result.append({"student": response.student, "submitted_on": response.submitted_on,
                       "answers": [(questions[q], vals) for q, vals in
                                   sorted(by_question.items(), key=lambda kv: questions[kv[0]].position)]})
    return result


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    choices: list = field(default_factory=list)   # [(choice, count, percent)]
    ratings: list = field(default_factory=list)   # [(1..5, count, percent)]
    mean: float | None = None
    index: float | None = None
    text_count: int = 0


def questionnaire_results(*, user, questionnaire: Questionnaire, school_id=None, district_id=None) -> dict:
    """Counts and percentages per question, invitations and responses per school and district,
    and the satisfaction index per school: a fixed number of queries whatever the number of
    answers (everything is grouped in the database)."""
    scope = scope_of(user)
    response_q = response_scope_q(scope)
    if response_q is None:
        raise Http404
    responses = SurveyResponse.objects.filter(response_q, questionnaire=questionnaire)
    invitations = SurveyInvitation.objects.filter(response_q, questionnaire=questionnaire)
    if school_id:
        responses = responses.filter(school_id=school_id)
        invitations = invitations.filter(school_id=school_id)
    if district_id:
        responses = responses.filter(school__district_id=district_id)
        invitations = invitations.filter(school__district_id=district_id)
    answers = Answer.objects.filter(response__in=responses.values("pk"))

    questions = list(questionnaire.questions.prefetch_related("choices"))
    results = {q.pk: QuestionResult(question=q) for q in questions}
    for row in answers.values("question_id").annotate(n=Count("response_id", distinct=True)):
        results[row["question_id"]].answered = row["n"]
    choice_counts = {row["choice_id"]: row["n"] for row in
                     answers.filter(choice__isnull=False).values("choice_id").annotate(n=Count("id"))}
    rating_counts: dict[tuple[int, int], int] = {
        (row["question_id"], row["rating"]): row["n"] for row in
        answers.filter(rating__isnull=False).values("question_id", "rating").annotate(n=Count("id"))
    }
    for result in results.values():
        q = result.question
        base = result.answered
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            for choice in q.choices.all():
                n = choice_counts.get(choice.pk, 0)
                result.choices.append((choice, n, round(100 * n / base, 1) if base else 0.0))
        elif q.kind == Question.Kind.RATING:
            total = 0
            for rating in range(1, 6):
                n = rating_counts.get((q.pk, rating), 0)
                total += n * rating
                result.ratings.append((rating, n, round(100 * n / base, 1) if base else 0.0))
            if base:
                result.mean = round(total / base, 2)
                result.index = satisfaction_index(total / base)
        else:
            result.text_count = base

    invited_by_school = {row["school_id"]: row for row in invitations.values(
        "school_id", "school__name", "school__code", "school__district_id", "school__district__name"
    ).annotate(invited=Count("id"), answered=Count("id", filter=Q(answered_on__isnull=False)))}
    rating_by_school = {row["response__school_id"]: row for row in answers.filter(rating__isnull=False).values(
        "response__school_id").annotate(mean=Avg("rating"), n=Count("id"))}
    rating_questions = [q for q in questions if q.kind == Question.Kind.RATING]
    by_school_question = {(row["response__school_id"], row["question_id"]): row["mean"] for row in
                          answers.filter(rating__isnull=False).values("response__school_id", "question_id")
                          .annotate(mean=Avg("rating"))}
    responses_by_school = {row["school_id"]: row["n"] for row in
                           responses.values("school_id").annotate(n=Count("pk"))}
    schools = []
    districts: dict = {}
    for school_pk, row in sorted(invited_by_school.items(), key=lambda kv: kv[1]["school__code"]):
        rating = rating_by_school.get(school_pk)
        entry = {
            "school_id": school_pk, "name": row["school__name"], "code": row["school__code"],
            "district": row["school__district__name"] or "", "invited": row["invited"],
            "responses": responses_by_school.get(school_pk, 0),
            "rate": round(100 * row["answered"] / row["invited"], 1) if row["invited"] else None,
            "index": satisfaction_index(rating["mean"]) if rating else None,
            "by_question": [satisfaction_index(by_school_question.get((school_pk, q.pk)))
                            for q in rating_questions],
        }
        schools.append(entry)
        d = districts.setdefault(row["school__district_id"], {
            "district_id": row["school__district_id"], "name": row["school__district__name"] or "",
            "invited": 0, "answered": 0, "responses": 0, "rating_sum": 0.0, "rating_n": 0})
        d["invited"] += row["invited"]
        d["answered"] += row["answered"]
        d["responses"] += entry["responses"]
        if rating:
            d["rating_sum"] += float(rating["mean"]) * rating["n"]
            d["rating_n"] += rating["n"]
    district_rows = []
    for d in sorted(districts.values(), key=lambda d: (d["district_id"] is None, d["name"])):
        d["rate"] = round(100 * d["answered"] / d["invited"], 1) if d["invited"] else None
        d["index"] = satisfaction_index(d["rating_sum"] / d["rating_n"]) if d["rating_n"] else None
        district_rows.append(d)
    total_rating = list(rating_by_school.values())
    n = sum(r["n"] for r in total_rating)
    overall_index = satisfaction_index(sum(float(r["mean"]) * r["n"] for r in total_rating) / n) if n else None
    invited = sum(r["invited"] for r in invited_by_school.values())
    answered = sum(r["answered"] for r in invited_by_school.values())
    return {
        "questions": [results[q.pk] for q in questions],
        "rating_questions": rating_questions,
        "schools": schools,
        "districts": district_rows,
        "responses": sum(responses_by_school.values()),
        "invited": invited,
        "rate": round(100 * answered / invited, 1) if invited else None,
        "index": overall_index,
    }


def text_answers(*, user, questionnaire: Questionnaire) -> QuerySet[Answer]:
    """Free-text answers, for the owner to read (with the parent's name when the questionnaire is
    named). Within the owner's response scope."""
    scope = scope_of(user)
    response_q = response_scope_q(scope)
    if response_q is None:
        return Answer.objects.none()
    responses = SurveyResponse.objects.filter(response_q, questionnaire=questionnaire)
    return (Answer.objects.filter(response__in=responses.values("pk"), question__kind=Question.Kind.TEXT)
            .exclude(text="")
            .select_related("question", "response__school", "response__respondent", "response__student")
            .order_by("question__position", "-response__submitted_on", "pk"))


def satisfaction_by_school(*, term: Term, user=None, include_open: bool = False, questions: bool = True) -> list[dict]:
    """The term satisfaction survey's index per school, for the weekly report and the bureau
    dashboard: `[{"school_id", "school", "district_id", "district", "responses", "index", "questions":
    {code: index}}]`, sorted by school code. Only a closed survey counts unless `include_open`.
    With `user`, narrowed to the schools that user may see. Three queries; two with
    `questions=False` (the weekly report: no index per question, "questions" left empty)."""
    questionnaires = Questionnaire.objects.filter(term=term, kind=Questionnaire.Kind.TERM_SATISFACTION)
    if not include_open:
        questionnaires = questionnaires.filter(status=Questionnaire.Status.CLOSED)
    responses = SurveyResponse.objects.filter(questionnaire__in=questionnaires)
    if user is not None:
        responses = responses.filter(school__in=School.objects.visible_to(user))
    answers = Answer.objects.filter(response__in=responses.values("pk"), rating__isnull=False)
    per_question = defaultdict(dict)
    for row in (answers.values("response__school_id", "question__code").annotate(mean=Avg("rating"))
                if questions else ()):
        per_question[row["response__school_id"]][row["question__code"]] = satisfaction_index(row["mean"])
    overall = {row["response__school_id"]: row["mean"] for row in
               answers.values("response__school_id").annotate(mean=Avg("rating"))}
    rows = []
    for row in (responses.values("school_id", "school__name", "school__code", "school__district_id",
                                 "school__district__name").annotate(n=Count("pk")).order_by("school__code")):
        sid = row["school_id"]
        rows.append({"school_id": sid, "school": row["school__name"], "district_id": row["school__district_id"],
                     "district": row["school__district__name"] or "", "responses": row["n"],
                     "index": satisfaction_index(overall.get(sid)), "questions": per_question.get(sid, {})})
    return rows
