"""Voice plugged into the privacy registries (called from `VoiceConfig.ready()`): a child's named
questionnaire answers in the guardian's data download, and a retention scrubber for the child's
name in those written answers. Anonymous responses hold no user or child, so they are never part
of anyone's download (nobody can tell whose they are)."""
from __future__ import annotations

from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _


def _named_responses(student):
    """Named (not anonymous) responses about the child: for the child, or for the family by one of
    the child's guardians."""
    from .models import SurveyResponse

    guardian_ids = student.guardianships.values("guardian_id")
    return SurveyResponse.objects.filter(respondent__isnull=False).filter(
        Q(student=student) | Q(student__isnull=True, respondent_id__in=guardian_ids))


def privacy_provider(student) -> dict:
    from .models import Answer

    responses = (_named_responses(student).select_related("questionnaire", "respondent")
                 .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("question", "choice")
                                            .order_by("question__position", "pk")))
                 .order_by("submitted_on", "pk"))
    out = []
    for r in responses:
        answers: dict[int, dict] = {}
        for a in r.answers.all():
            entry = answers.setdefault(a.question_id, {"question": a.question.text, "answer": []})
            if a.choice_id:
                entry["answer"].append(a.choice.text)
            elif a.rating is not None:
                entry["answer"].append(a.rating)
            elif a.text:
                entry["answer"].append(a.text)
        out.append({"questionnaire": r.questionnaire.title, "answered_on": r.submitted_on,
                    "by": r.respondent.get_full_name(), "for_the_child": r.student_id == student.pk,
                    "answers": list(answers.values())})
    return {"questionnaire_answers": out}


def privacy_scrubber(student) -> None:
    """Replace the child's name in the written answers named to the family."""
    from privacy.services import anonymous_name

    from .models import Answer

    if not student.name:
        return
    Answer.objects.filter(response__in=_named_responses(student), text__contains=student.name).update(
        text=Replace("text", Value(student.name), Value(anonymous_name(student.pk))))


def register() -> None:
    from privacy.registry import register_provider, register_scrubber

    register_provider("voice", _("Questionnaire answers"), privacy_provider)
    register_scrubber("voice", privacy_scrubber)
