"""Reads of the privacy app: a guardian's children and their data; the audit logs by scope."""
from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.scoping import scope_of
from shahe_afterschool.ids import parse_id

from . import notice
from .models import GuardianConsent
from .registry import AUDIT_SUBJECTS, PROVIDERS


# --- a guardian's children ----------------------------------------------------------------------
def children_of_guardian(*, user) -> QuerySet:
    from schools.models import Student

    if not getattr(user, "is_authenticated", False):
        return Student.objects.none()
    return (
        Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
        .select_related("school", "homeroom_class")
        .order_by("name_pinyin", "id")
    )


def child_get_for_guardian(*, user, pk):
    """The child if `user` is an active guardian of it, else 404 (whoever else asks, staff too)."""
    from schools.models import Student

    try:
        return children_of_guardian(user=user).get(pk=pk)
    except (Student.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def consents_by_child(*, user, children) -> dict[int, GuardianConsent]:
    """This guardian's answers to the current notice, by child id (one query)."""
    version = notice.current().version
    rows = GuardianConsent.objects.filter(guardian=user, student__in=children, notice_version=version)
    return {c.student_id: c for c in rows}


def child_data(*, student) -> dict:
    """Everything held about a child: the union of every registered provider."""
    return {key: {"label": str(label), "data": fn(student)} for key, (label, fn) in PROVIDERS.items()}


# --- audit: who may search, and what ------------------------------------------------------------
@dataclass(frozen=True)
class AuditScope:
    city: bool
    school_ids: frozenset[int]

    @property
    def shows_names(self) -> bool:
        """The bureau sees who read what and when, but not children's names (aggregates only)."""
        return not self.city or self._admin

    _admin: bool = False


def audit_scope(*, user) -> AuditScope:
    """The principal searches their own school's logs; the bureau (and admins) the city's."""
    scope = scope_of(user)
    if scope.is_admin:
        return AuditScope(city=True, school_ids=frozenset(), _admin=True)
    if scope.is_bureau:
        return AuditScope(city=True, school_ids=frozenset())
    principal_of = scope.schools_with(Role.PRINCIPAL)
    if principal_of:
        return AuditScope(city=False, school_ids=principal_of)
    raise PermissionDenied


def _subject_ids(subject, **student_filter) -> QuerySet:
    """Ids (as text, like AuditEvent.object_id) of the subject's rows whose student matches."""
    model = apps.get_model(subject.model_label)
    prefix = f"{subject.student_path}__" if subject.student_path else ""
    return (
        model._default_manager.filter(**{f"{prefix}{k}": v for k, v in student_filter.items()})
        .annotate(audit_id=Cast("pk", CharField()))
        .values("audit_id")
    )


def _audit_filter(**student_filter) -> Q:
    q = Q(pk__in=[])
    for subject in AUDIT_SUBJECTS.values():
        q |= Q(object_type=subject.object_type, object_id__in=_subject_ids(subject, **student_filter))
    return q


def audit_event_filter_for_students(student_ids) -> Q:
    return _audit_filter(pk__in=list(student_ids))


def _student_ids_matching(*, child: str, audit: AuditScope):
    from schools.models import Student

    child = child.strip()
    students = Student.objects.all()
    if not audit.city:
        students = students.filter(school_id__in=audit.school_ids)
    if audit.shows_names:
        cond = Q(student_number=child) | Q(name__icontains=child)
        if parse_id(child):
            cond |= Q(pk=parse_id(child))
        students = students.filter(cond)
    else:
        students = students.filter(student_number=child)
    return students.values("pk")


def access_log(*, user, username: str = "", child: str = "", date_from=None, date_to=None) -> QuerySet:
    """AuditEvent rows the user may search, newest first."""
    audit = audit_scope(user=user)
    events = AuditEvent.objects.select_related("user").order_by("-at", "-id")
    if not audit.city:
        staff_ids = (
            apps.get_model("accounts.RoleAssignment").objects
            .filter(school_id__in=audit.school_ids, active=True).values("user_id")
        )
        events = events.filter(_audit_filter(school_id__in=audit.school_ids) | Q(user_id__in=staff_ids))
    if username:
        events = events.filter(Q(username__icontains=username) | Q(user__name__icontains=username))
    if child:
        events = events.filter(_audit_filter(pk__in=_student_ids_matching(child=child, audit=audit)))
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def describe_subjects(*, events, audit: AuditScope) -> dict[tuple[str, str], str]:
    """(object_type, object_id) -> how the page names it: the child's name for the principal, the
    student number for the bureau. One query per subject type on the page (constant)."""
    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.object_type in AUDIT_SUBJECTS and parse_id(e.object_id):
            wanted.setdefault(e.object_type, set()).add(parse_id(e.object_id))
    out = {}
    for object_type, ids in wanted.items():
        subject = AUDIT_SUBJECTS[object_type]
        model = apps.get_model(subject.model_label)
        prefix = f"{subject.student_path}__" if subject.student_path else ""
        rows = model._default_manager.filter(pk__in=ids)
        if not audit.city:
            rows = rows.filter(**{f"{prefix}school_id__in": audit.school_ids})
        for pk, name, number in rows.values_list("pk", f"{prefix}name", f"{prefix}student_number"):
            out[(object_type, str(pk))] = f"{name} ({number})" if audit.shows_names else number
    return out


# --- audit: change history ----------------------------------------------------------------------
HISTORY_KINDS = {"student": "schools.Student", "guardianship": "schools.Guardianship"}
HIDDEN_FIELDS = {"id", "name_pinyin", "history_id", "history_date", "history_change_reason", "history_type",
                 "history_user", "history_user_id"}


def change_history(*, user, kind: str = "student", username: str = "", child: str = "", date_from=None,
                   date_to=None) -> QuerySet:
    audit = audit_scope(user=user)
    model = apps.get_model(HISTORY_KINDS.get(kind, HISTORY_KINDS["student"]))
    rows = model.history.select_related("history_user").order_by("-history_date", "-history_id")
    school_field = "school_id" if model._meta.model_name == "student" else "student__school_id"
    student_field = "id" if model._meta.model_name == "student" else "student_id"
    if not audit.city:
        rows = rows.filter(**{f"{school_field}__in": audit.school_ids})
    if username:
        rows = rows.filter(Q(history_user__username__icontains=username) | Q(history_user__name__icontains=username))
    if child:
        rows = rows.filter(**{f"{student_field}__in": _student_ids_matching(child=child, audit=audit)})
    if date_from:
        rows = rows.filter(history_date__date__gte=date_from)
    if date_to:
        rows = rows.filter(history_date__date__lte=date_to)
    return rows


def history_changes(*, rows, audit: AuditScope) -> dict[int, list[tuple[str, str, str]]]:
    """history_id -> [(field label, old, new)] against each row's previous version. One query for
    the previous versions of every object on the page. The bureau sees which fields changed, not
    the values."""
    rows = list(rows)
    if not rows:
        return {}
    model = rows[0].__class__
    fields = [f for f in model._meta.concrete_fields if f.attname not in HIDDEN_FIELDS]
    ids = {r.id for r in rows}
    everything = model.objects.filter(id__in=ids).order_by("id", "history_date", "history_id")
    previous: dict[int, object] = {}
    last: dict[int, object] = {}
    for h in everything:
        previous[h.history_id] = last.get(h.id)
        last[h.id] = h
    # how values read: choices by their label, yes/no, users by name (one query), other links as #id
    from django.contrib.auth import get_user_model
    from django.utils.translation import gettext

    User = get_user_model()
    user_fields = [f for f in fields if f.is_relation and f.related_model is User]
    user_ids = {getattr(h, f.attname) for h in [*rows, *previous.values()] if h is not None for f in user_fields}
    user_names = dict(User.objects.filter(pk__in=user_ids - {None}).values_list("pk", "name")) if user_ids else {}

    def show(f, value) -> str:
        if value is None or value == "":
            return ""
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if f in user_fields:
            return user_names.get(value) or f"#{value}"
        if f.is_relation:
            return f"#{value}"
        return str(value)

    out = {}
    for r in rows:
        prev = previous.get(r.history_id)
        changes = []
        for f in fields:
            new = getattr(r, f.attname)
            old = getattr(prev, f.attname) if prev is not None else None
            if prev is None and new in (None, ""):
                continue
            if prev is None or old != new:
                label = str(f.verbose_name)
                if audit.shows_names:
                    changes.append((label, show(f, old), show(f, new)))
                else:
                    changes.append((label, "", ""))
        out[r.history_id] = changes
    return out
