"""The one scoping mechanism.

`Scope.for_user(user)` reads a user's active role assignments once (two queries) and answers
"which schools, districts, classes may this user see, and in which capacity". Every model that
holds a school's records has a `visible_to(user)` queryset method built on it, and every view,
API endpoint, export and task narrows its queryset through that method. `get_for_user` turns
"missing" and "not yours" into the same 404, so nothing confirms that an object outside the
caller's scope exists.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import IntegerField, Model, QuerySet
from django.http import Http404

from shahe_afterschool.ids import parse_id

from .roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES, Role


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_admin: bool = False
    is_bureau: bool = False
    district_ids: frozenset[int] = frozenset()
    schools_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    homeroom_class_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()

    @classmethod
    def anonymous(cls) -> Scope:
        return cls(user_id=None)

    @classmethod
    def for_user(cls, user) -> Scope:
        if user is None or not user.is_authenticated or not user.is_active:
            return cls.anonymous()
        by_role: dict[str, set[int]] = {}
        districts: set[int] = set()
        roles: set[str] = set()
        for role, school_id, district_id in user.role_assignments.active().values_list(
            "role", "school_id", "district_id"
        ):
            roles.add(role)
            if school_id:
                by_role.setdefault(role, set()).add(school_id)
            if district_id and role == Role.DISTRICT:
                districts.add(district_id)
        homeroom_ids = frozenset()
        if Role.HOMEROOM in roles:
            homeroom_ids = frozenset(
                # Through the reverse relation, so that scoping (below schools) never imports schools;
                # without the classes' ordering, which joined their schools and grades for nothing.
                user.homeroom_classes.filter(
                    active=True, school_id__in=by_role.get(Role.HOMEROOM, ())
                ).order_by().values_list("id", flat=True)
            )
        is_admin = user.is_superuser or Role.ADMIN in roles
        return cls(
            user_id=user.pk,
            is_admin=is_admin,
            is_bureau=Role.BUREAU in roles,
            district_ids=frozenset(districts),
            schools_by_role={k: frozenset(v) for k, v in by_role.items()},
            homeroom_class_ids=homeroom_ids,
            roles=frozenset(roles) | ({Role.ADMIN} if is_admin else set()),
        )

    # --- questions views and querysets ask -------------------------------------------------
    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def schools_with(self, *roles: str) -> frozenset[int]:
        ids: set[int] = set()
        for role in roles:
            ids |= self.schools_by_role.get(role, frozenset())
        return frozenset(ids)

    @property
    def staff_school_ids(self) -> frozenset[int]:
        """Schools where the user holds any staff role."""
        return self.schools_with(*SCHOOL_ROLES)

    @property
    def school_wide_ids(self) -> frozenset[int]:
        """Schools whose every student this user may see (principal, offices, duty leader)."""
        return self.schools_with(*SCHOOL_WIDE_ROLES)

    @property
    def sees_city(self) -> bool:
        return self.is_admin or self.is_bureau

    @property
    def is_staff_member(self) -> bool:
        return self.sees_city or bool(self.district_ids) or bool(self.staff_school_ids)


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.anonymous()
    return user.scope


def get_for_user(queryset: QuerySet, user, pk) -> Model:
    """The object with this pk if the user may see it, else 404 (also for a malformed pk: an integer
    key given as text must be ASCII digits within range, not `"٣٣"` that `int()` would read as 33)."""
    visible = queryset.visible_to(user)
    if isinstance(pk, str) and isinstance(visible.model._meta.pk, IntegerField):
        pk = parse_id(pk)
        if pk is None:
            raise Http404
    try:
        return visible.get(pk=pk)
    except (visible.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
