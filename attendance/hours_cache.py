"""A teacher's own hours page (statement_views.my_hours) kept rendered until what it counts changes
(issue 23). The page reads half a year of the teacher's submitted rolls at each of their schools and
counts them against the term's plan, groups, clubs and the calendar (12 queries, the rule applied to
every day of six months); a teacher opens it to check the month, and it changes when a roll of their
school is submitted or corrected, or when a rule does. Its key (shahe_afterschool.fragments) names:

- the version of the **rules** (`RULES`): terms, service plans, groups, clubs, their slots and teachers,
  calendar days, statements and their lines, and the staff's roles (which statements a reader may
  open), replaced when any of them is saved (rare, office work);
- the version of the **rolls of each of the teacher's schools** (`rolls_subject`), replaced when a
  roll of the school is saved (submitted, corrected, cancelled, its teacher changed);
- the teacher, their schools, the day (the six months end with today's), the month asked for and the
  language.
"""
from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.models import RoleAssignment
from accounts.roles import Role
from clubs.models import Club, ClubSlot, ServicePlan
from enrollment.models import ServiceGroup
from schools.models import CalendarDay, Term
from shahe_afterschool import fragments

from .models import Roll
from .statement_models import Statement, StatementLine

RULES = "attendance:hours:rules"


def rolls_subject(school_id: int) -> str:
    return f"attendance:hours:rolls:{school_id}"


def page_key(*, user_id: int, school_ids: list[int], parts: tuple) -> str:
    rolls = [fragments.version(rolls_subject(pk)) for pk in school_ids]
    return fragments.key("my-hours", RULES, user_id, school_ids, rolls, *parts)


def rules_changed() -> None:
    """For writes that send no signal (bulk inserts, queryset updates) of the models below."""
    fragments.changed(RULES)


@receiver(post_save, sender=Roll, dispatch_uid="attendance.hours.roll")
def _roll_saved(sender, instance: Roll, **kwargs):
    fragments.changed(rolls_subject(instance.school_id))


@receiver(post_save, sender=Term, dispatch_uid="attendance.hours.term")
@receiver(post_save, sender=ServicePlan, dispatch_uid="attendance.hours.plan")
@receiver(post_save, sender=ServiceGroup, dispatch_uid="attendance.hours.group")
@receiver(post_save, sender=Club, dispatch_uid="attendance.hours.club")
@receiver(post_save, sender=ClubSlot, dispatch_uid="attendance.hours.slot")
@receiver(post_delete, sender=ClubSlot, dispatch_uid="attendance.hours.slot_deleted")
@receiver(post_save, sender=CalendarDay, dispatch_uid="attendance.hours.calendar")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="attendance.hours.calendar_deleted")
@receiver(post_save, sender=Statement, dispatch_uid="attendance.hours.statement")
@receiver(post_save, sender=StatementLine, dispatch_uid="attendance.hours.statement_line")
@receiver(m2m_changed, sender=Club.teachers.through, dispatch_uid="attendance.hours.club_teachers")
def _rule_saved(sender, **kwargs):
    rules_changed()


@receiver(post_save, sender=RoleAssignment, dispatch_uid="attendance.hours.role")
def _role_saved(sender, instance: RoleAssignment, **kwargs):
    if instance.role != Role.PARENT:  # a staff role given, changed or ended: which statements they open
        rules_changed()
