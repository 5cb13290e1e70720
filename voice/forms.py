from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scoping import scope_of
from shahe_afterschool.ids import parse_id

from .audiences import AUDIENCE_KINDS
from .models import Question, Questionnaire
from .services import Rule


def audience_choices(user) -> list:
    """Grouped choices `kind:id` for every audience kind this user may address."""
    scope = scope_of(user)
    groups = []
    for code, kind in AUDIENCE_KINDS.items():
        options = kind.options(scope)
        if not options:
            continue
        if not kind.needs_ids:
            groups.append((kind.label, [(f"{code}:", label) for _pk, label in options]))
        else:
            groups.append((kind.label, [(f"{code}:{pk}", label) for pk, label in options]))
    return groups


def parse_targets(values) -> list[Rule]:
    """["school:3", "school:4", "class:9", "city:"] -> [Rule("school", (3, 4)), Rule("class", (9,)), Rule("city")]"""
    by_kind: dict[str, list[int]] = {}
    for value in values:
        code, _sep, pk = str(value).partition(":")
        ids = by_kind.setdefault(code, [])
        if parse_id(pk):
            ids.append(parse_id(pk))
    return [Rule(code, tuple(ids)) for code, ids in by_kind.items()]


class AudienceFieldsMixin(forms.Form):
    targets = forms.MultipleChoiceField(
        label=_("Who it is for"), help_text=_("Hold Ctrl (or long-press on a phone) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].choices = audience_choices(user)

    @property
    def rules(self) -> list[Rule]:
        return parse_targets(self.cleaned_data["targets"])


class AnnouncementForm(AudienceFieldsMixin):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000)
    must_read = forms.BooleanField(label=_("Must read"), required=False,
                                   help_text=_("Recipients who have not opened it are listed for follow-up."))
    include_parents = forms.BooleanField(label=_("Send to parents"), required=False, initial=True)
    include_staff = forms.BooleanField(label=_("Send to staff"), required=False)
    field_order = ["title", "body", "targets", "include_parents", "include_staff", "must_read"]


class QuestionnaireForm(AudienceFieldsMixin):
    title = forms.CharField(label=_("Title"), max_length=200)
    intro = forms.CharField(label=_("Introduction"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            max_length=2000)
    per = forms.ChoiceField(label=_("Answered"), choices=Questionnaire.Per.choices,
                            initial=Questionnaire.Per.FAMILY, widget=forms.RadioSelect)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False, initial=True,
                                   help_text=_("Anonymous answers are stored without the parent or child."))
    field_order = ["title", "intro", "targets", "per", "anonymous"]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=300)
    choices = forms.CharField(label=_("Choices, one per line"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("choices", "").splitlines() if line.strip()]


class AnswerForm(forms.Form):
    """The questionnaire as a form: one field per question, named q<id>."""

    def __init__(self, *args, questionnaire: Questionnaire, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for q in questions:
            name = f"q{q.pk}"
            if q.kind == Question.Kind.SINGLE:
                field = forms.ChoiceField(choices=[(c.pk, c.text) for c in q.choices.all()],
                                          widget=forms.RadioSelect)
            elif q.kind == Question.Kind.MULTIPLE:
                field = forms.MultipleChoiceField(choices=[(c.pk, c.text) for c in q.choices.all()],
                                                  widget=forms.CheckboxSelectMultiple)
            elif q.kind == Question.Kind.RATING:
                field = forms.TypedChoiceField(
                    choices=[(i, label) for i, label in RATING_LABELS], coerce=int, widget=forms.RadioSelect)
            else:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
            field.label = f"{q.position}. {q.text}"
            field.required = q.required
            self.fields[name] = field

    def answers(self) -> dict:
        result = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("q") and name[1:].isdigit():
                result[int(name[1:])] = value
        return result


RATING_LABELS = [
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · Neutral")),
    (2, _("2 · Dissatisfied")),
    (1, _("1 · Very dissatisfied")),
]
