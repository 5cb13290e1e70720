"""Reads on accounts: which schools an account belongs to.

One rule for accounts across schools (issue 17): a school's staff may link, attach, invite or
deactivate only an account whose every link is within their school. An account's links are its
active roles (a school's, a district's, the bureau's), its active guardianships (the school of each
child) and its unused invitation codes (the school that issued them). A guardian's city-wide parent
role is no link: their children's schools are.
"""
from __future__ import annotations

from dataclasses import dataclass

from .roles import Role

#: Sentinel for a link that belongs to no one school (the bureau, a district, a superuser, a code
#: issued by the bureau): such an account is never within any school.
ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class AccountLinks:
    school_ids: frozenset
    beyond_schools: bool

    def within(self, school) -> bool:
        """Whether every link of the account is at `school` (an account with no links is within)."""
        school_id = getattr(school, "pk", school)
        return not self.beyond_schools and self.school_ids <= {school_id}

    def elsewhere_than(self, school) -> bool:
        school_id = getattr(school, "pk", school)
        return self.beyond_schools or bool(self.school_ids - {school_id})


def account_links_many(user_ids) -> dict:
    """{user id: AccountLinks} for many accounts, in four queries (a roster import's guardians)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from schools.models import Guardianship

    from .models import Invitation, RoleAssignment

    user_ids = [pk for pk in user_ids if pk is not None]
    schools: dict = {pk: set() for pk in user_ids}
    beyond: dict = dict.fromkeys(user_ids, False)
    if not user_ids:
        return {}
    for pk in get_user_model().objects.filter(pk__in=user_ids, is_superuser=True).values_list("pk", flat=True):
        beyond[pk] = True
    for user_id, role, school_id, district_id in (
        RoleAssignment.objects.filter(user_id__in=user_ids, active=True)
        .values_list("user_id", "role", "school_id", "district_id")
    ):
        if role == Role.PARENT and school_id is None and district_id is None:
            continue
        if school_id is None:
            beyond[user_id] = True
        else:
            schools[user_id].add(school_id)
    for user_id, school_id in (
        Guardianship.objects.filter(guardian_id__in=user_ids, active=True)
        .values_list("guardian_id", "student__school_id")
    ):
        schools[user_id].add(school_id)
    for user_id, school_id in (
        Invitation.objects.filter(user_id__in=user_ids, used_at__isnull=True, revoked_at__isnull=True,
                                  expires_at__gt=timezone.now(), student__isnull=True)
        .values_list("user_id", "school_id")
    ):
        if school_id is None:
            beyond[user_id] = True
        else:
            schools[user_id].add(school_id)
    return {pk: AccountLinks(frozenset(schools[pk]), beyond[pk]) for pk in user_ids}


def account_links(user) -> AccountLinks:
    """The schools an account is linked to."""
    if user is None or user.pk is None:
        return AccountLinks(frozenset(), False)
    return account_links_many([user.pk])[user.pk]


def account_within_school(user, school) -> bool:
    return account_links(user).within(school)
