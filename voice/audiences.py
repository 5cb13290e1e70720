"""Who an announcement or a questionnaire is for: a registry of audience kinds.

An audience is stored as rules, `(kind, [ids])` (see `voice.models.AudienceRule`). Each kind is an
`AudienceKind` registered here; it knows how to turn its ids into children (whose active guardians
are the parents reached) and into staff, which schools it touches, which ids a user may pick, and
whether a user may address it. The built-in kinds are the city, a district, a school, a grade and a
class. Apps built later add theirs from their `AppConfig.ready()` without this app importing them:

    from voice.audiences import AudienceKind, register_audience_kind
    register_audience_kind(AudienceKind(
        code="club", label=_("Club"),
        students=lambda ids: Student.objects.filter(club_places__club_id__in=ids, ...),
        staff=lambda ids: User.objects.filter(...),           # optional
        school_ids=lambda ids: set(Club.objects.filter(pk__in=ids).values_list("school_id", flat=True)),
        options=lambda scope: [(club.pk, str(club)) for club in ...],  # what this user may pick
    ))

`allowed(scope, ids)` defaults to "every id is among `options(scope)`", so an author can only
address what the form would offer them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.roles import SCHOOL_ROLES, Role
from accounts.scoping import Scope
from schools.models import District, Grade, HomeroomClass, School, Student

#: Roles that may address a whole school's parents (and build its questionnaires).
SCHOOL_AUTHOR_ROLES = (Role.PRINCIPAL, Role.MORAL_ED)


@dataclass(frozen=True)
class AudienceKind:
    code: str
    label: object
    #: ids -> the children in the audience (their active guardians are the parents reached)
    students: Callable[[list[int]], QuerySet]
    #: ids -> the school ids the audience touches (for scoping and read counts)
    school_ids: Callable[[list[int]], set[int]]
    #: scope -> [(id, label)] that this user may address
    options: Callable[[Scope], list[tuple[int, str]]]
    #: ids -> staff users reached when the author includes staff (None: this kind has no staff)
    staff: Callable[[list[int]], QuerySet] | None = None
    #: kinds without ids (the whole city)
    needs_ids: bool = True

    def allowed(self, scope: Scope, ids: Iterable[int]) -> bool:
        offered = {pk for pk, _label in self.options(scope)}
        return set(ids) <= offered if self.needs_ids else bool(offered)


AUDIENCE_KINDS: dict[str, AudienceKind] = {}


def register_audience_kind(kind: AudienceKind) -> None:
    AUDIENCE_KINDS[kind.code] = kind


def audience_kind(code: str) -> AudienceKind | None:
    return AUDIENCE_KINDS.get(code)


# --- the built-in kinds --------------------------------------------------------------------------

def _enrolled() -> QuerySet:
    return Student.objects.filter(status=Student.Status.ENROLLED, school__active=True)


def _school_staff(school_filter: Q) -> QuerySet:
    User = get_user_model()
    return User.objects.filter(
        is_active=True,
        pk__in=_role_users().filter(school_filter),
    )


def _role_users():
    from accounts.models import RoleAssignment

    return RoleAssignment.objects.active().filter(role__in=SCHOOL_ROLES).values("user_id")


def _authored_school_ids(scope: Scope) -> frozenset[int]:
    return scope.schools_with(*SCHOOL_AUTHOR_ROLES)


def _city_options(scope: Scope):
    return [(0, str(_("The whole city")))] if scope.sees_city else []


def _district_options(scope: Scope):
    if not scope.sees_city:
        return []
    return [(d.pk, d.name) for d in District.objects.order_by("code")]


def _school_options(scope: Scope):
    if scope.sees_city:
        qs = School.objects.filter(active=True)
    else:
        qs = School.objects.filter(pk__in=_authored_school_ids(scope), active=True)
    return [(s.pk, s.name) for s in qs.order_by("code")]


def _grade_options(scope: Scope):
    ids = _authored_school_ids(scope)
    qs = Grade.objects.filter(school_id__in=ids).select_related("school").order_by("school__code", "number")
    many = len(ids) > 1
    return [(g.pk, f"{g.school.name} {g.name}" if many else g.name) for g in qs]


def _class_options(scope: Scope):
    ids = _authored_school_ids(scope)
    qs = (HomeroomClass.objects.filter(school_id__in=ids, active=True).select_related("school", "grade")
          .order_by("school__code", "grade__number", "name"))
    many = len(ids) > 1
    return [(c.pk, f"{c.school.name} {c.name}" if many else c.name) for c in qs]


def _homeroom_teachers(class_filter: Q) -> QuerySet:
    User = get_user_model()
    return User.objects.filter(is_active=True, pk__in=HomeroomClass.objects.filter(
        class_filter, active=True, homeroom_teacher__isnull=False).values("homeroom_teacher_id"))


register_audience_kind(AudienceKind(
    code="city", label=_("The whole city"), needs_ids=False,
    students=lambda ids: _enrolled(),
    school_ids=lambda ids: set(School.objects.filter(active=True).values_list("pk", flat=True)),
    options=_city_options,
    staff=lambda ids: _school_staff(Q(school__active=True)),
))
register_audience_kind(AudienceKind(
    code="district", label=_("District"),
    students=lambda ids: _enrolled().filter(school__district_id__in=ids),
    school_ids=lambda ids: set(School.objects.filter(district_id__in=ids, active=True).values_list("pk", flat=True)),
    options=_district_options,
    staff=lambda ids: _school_staff(Q(school__district_id__in=ids, school__active=True)),
))
register_audience_kind(AudienceKind(
    code="school", label=_("School"),
    students=lambda ids: _enrolled().filter(school_id__in=ids),
    school_ids=lambda ids: set(ids),
    options=_school_options,
    staff=lambda ids: _school_staff(Q(school_id__in=ids)),
))
register_audience_kind(AudienceKind(
    code="grade", label=_("Grade"),
    students=lambda ids: _enrolled().filter(homeroom_class__grade_id__in=ids),
    school_ids=lambda ids: set(Grade.objects.filter(pk__in=ids).values_list("school_id", flat=True)),
    options=_grade_options,
    staff=lambda ids: _homeroom_teachers(Q(grade_id__in=ids)),
))
register_audience_kind(AudienceKind(
    code="class", label=_("Class"),
    students=lambda ids: _enrolled().filter(homeroom_class_id__in=ids),
    school_ids=lambda ids: set(HomeroomClass.objects.filter(pk__in=ids).values_list("school_id", flat=True)),
    options=_class_options,
    staff=lambda ids: _homeroom_teachers(Q(pk__in=ids)),
))
