"""Reads of schools, always through `visible_to`."""
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import RoleAssignment
from accounts.scoping import get_for_user

from .models import HomeroomClass, School, Student, Venue


def school_list(*, user, district_id=None, search: str = "") -> QuerySet[School]:
    qs = (
        School.objects.visible_to(user)
        .select_related("district")
        .annotate(
            student_count=Count("students", filter=Q(students__status=Student.Status.ENROLLED), distinct=True),
            class_count=Count("classes", filter=Q(classes__active=True), distinct=True),
        )
        .order_by("district__code", "code")
    )
    if district_id:
        qs = qs.filter(district_id=district_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return qs


def school_get_for_user(*, user, pk) -> School:
    return get_for_user(School.objects.select_related("district"), user, pk)


def school_overview(*, user, school: School) -> dict:
    """What the school detail page shows: classes, venues and staff by role, in a fixed number of
    queries whatever the size of the school."""
    classes = (
        HomeroomClass.objects.visible_to(user)
        .filter(school=school, active=True)
        .select_related("grade", "homeroom_teacher")
        .annotate(student_count=Count("students", filter=Q(students__status=Student.Status.ENROLLED)))
        .order_by("grade__number", "name")
    )
    venues = Venue.objects.visible_to(user).filter(school=school, active=True)
    staff = (
        RoleAssignment.objects.active()
        .filter(school=school)
        .select_related("user")
        .order_by("role", "user__name")
    )
    staff_by_role: dict[str, list] = {}
    for assignment in staff:
        staff_by_role.setdefault(assignment.get_role_display(), []).append(assignment.user)
    return {
        "classes": list(classes),
        "venues": list(venues),
        "staff_by_role": staff_by_role,
        "student_count": sum(c.student_count for c in classes),
    }


def student_list(*, user, school_id=None, class_id=None, search: str = "") -> QuerySet[Student]:
    qs = Student.objects.visible_to(user).select_related("school", "homeroom_class", "homeroom_class__grade")
    if school_id:
        qs = qs.filter(school_id=school_id)
    if class_id:
        qs = qs.filter(homeroom_class_id=class_id)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(student_number__icontains=search))
    return qs


def student_get_for_user(*, user, pk) -> Student:
    return get_for_user(Student.objects.select_related("school", "homeroom_class"), user, pk)


def children_of(*, user) -> QuerySet[Student]:
    """A guardian's own children, with their school and class."""
    return (
        Student.objects.filter(guardianships__guardian=user, guardianships__active=True)
        .select_related("school", "homeroom_class")
        .prefetch_related(Prefetch("guardianships", to_attr="all_guardianships"))
    )
