"""Reads of clubs, plans, choices and the timetable, always through `visible_to`."""
from __future__ import annotations

from django.db.models import Q


def club_teacher_student_filter(user_id, school_ids) -> Q:
    """Registered in `schools.models.TEACHER_STUDENT_FILTERS`: a club's teacher sees its members."""
    return Q(club_choices__status="enrolled", club_choices__club__teachers__id=user_id,
             club_choices__club__school_id__in=school_ids)
