"""Reads of schools, always through `visible_to`."""
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import RoleAssignment
from accounts.roles import Role
from accounts.scoping import get_for_user, scope_of

from .models import Guardianship, HomeroomClass, ImportBatch, School, Student, Venue, pinyin_key


def _count_of(qs):
    """The number of rows of `qs` (a model with a `school` key) at the outer school, 0 if none."""
    counted = qs.filter(school=OuterRef("pk")).order_by().values("school").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


#: The version subject of the rendered school list (schools.views._school_rows; shahe_afterschool.fragments):
#: replaced when a school, a class or a child is saved (schools.receivers) or children are imported.
LIST_SUBJECT = "schools:list"


def school_list(*, user, district_id=None, search: str = "") -> QuerySet[School]:
    qs = (
        School.objects.visible_to(user)
        .select_related("district")
        # Counted in correlated subqueries, one per school shown: two counted joins multiplied every
        # school's students by its classes (1.8 s for the city's 150 schools; docs/performance.md).
        .annotate(
            student_count=_count_of(Student.objects.filter(status=Student.Status.ENROLLED)),
            class_count=_count_of(HomeroomClass.objects.filter(active=True)),
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


# --- school administration --------------------------------------------------------------------------
def school_admin_get(*, user, pk) -> School:
    """The school if the user may administer it: 404 outside their scope, 403 when they see it but
    are not its principal."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from .services import can_administer

    school = school_get_for_user(user=user, pk=pk)
    if not can_administer(user, school):
        raise PermissionDenied(_("Only the school's principal can do this."))
    return school


def schools_administered(*, user) -> QuerySet[School]:
    from accounts.roles import Role

    scope = user.scope
    if scope.is_admin:
        return School.objects.filter(active=True)
    return School.objects.filter(pk__in=scope.schools_with(Role.PRINCIPAL))


def staff_of_school(*, school: School) -> list:
    """The school's staff with their active roles and the classes they lead, in three queries."""
    from accounts.roles import Role

    assignments = (
        RoleAssignment.objects.filter(school=school, active=True).exclude(role=Role.PARENT)
        .select_related("user").order_by("user__name", "role")
    )
    people: dict[int, dict] = {}
    for a in assignments:
        entry = people.setdefault(a.user_id, {"user": a.user, "assignments": [], "classes": []})
        entry["assignments"].append(a)
    for klass in HomeroomClass.objects.filter(school=school, active=True, homeroom_teacher_id__in=list(people)):
        people[klass.homeroom_teacher_id]["classes"].append(klass)
    return sorted(people.values(), key=lambda p: pinyin_key(p["user"].get_full_name()))


def staff_member_get(*, school: School, user_pk) -> object:
    """A member of this school's staff (someone with a role here, active or ended), else 404."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    try:
        return get_user_model().objects.filter(role_assignments__school=school).distinct().get(pk=user_pk)
    except (get_user_model().DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def import_batch_get(*, user, school: School, pk) -> ImportBatch:
    return get_for_user(ImportBatch.objects.filter(school=school).exclude(kind=ImportBatch.Kind.CALENDAR)
                        .select_related("school"), user, pk)


def import_batches_of(*, user, school: School) -> QuerySet[ImportBatch]:
    return (ImportBatch.objects.visible_to(user).filter(school=school).exclude(kind=ImportBatch.Kind.CALENDAR)
            .defer("rows", "errors")[:20])


def venue_get(*, user, school: School, pk) -> Venue:
    return get_for_user(Venue.objects.filter(school=school), user, pk)


def class_guardians(*, school: School, klass: HomeroomClass) -> list:
    """(student, guardianship) pairs of a class for its letters to parents, in one query."""
    return list(
        Guardianship.objects.filter(student__homeroom_class=klass, student__school=school, active=True,
                                    student__status=Student.Status.ENROLLED)
        .select_related("guardian", "student").order_by("student__name_pinyin", "student_id", "id")
    )


def class_pending_links(*, school: School, klass: HomeroomClass) -> list:
    """The link codes (关联码) of a class's children that no guardian has used yet, the newest per
    guardian and child: guardians whose accounts also belong to another school, who link the child
    themselves. Who the guardian is is not shown to the school."""
    from django.utils import timezone

    from accounts.models import Invitation

    newest = {}
    for invitation in (
        Invitation.objects.filter(school=school, student__homeroom_class=klass, student__isnull=False,
                                  used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("student", "user").order_by("created_at")
    ):
        newest[(invitation.user_id, invitation.student_id)] = invitation
    return sorted(newest.values(), key=lambda i: (i.student.name_pinyin, i.student_id))


# --- health notes: need to know -------------------------------------------------------------------
#: Who holds which children on a day, answered by the apps that own the day and registered in their
#: `AppConfig.ready()` (as `TEACHER_STUDENT_FILTERS` is): callables
#: `(scope, date, students: {student id: school id}) -> set of student ids`, each in a fixed number of
#: queries whatever the number of children. attendance: the children on the rolls of the day the user
#: holds, and every child of the school for the day's rostered duty leader (never on another day);
#: enrollment: the children placed in a group the user teaches that meets that day; clubs: the
#: children holding a seat in a club the user teaches that meets that day.
DAY_HOLDERS: list = []


def register_day_holder(fn) -> None:
    if fn not in DAY_HOLDERS:
        DAY_HOLDERS.append(fn)


def health_notes_visible(user, students, date=None) -> set[int]:
    """The ids of `students` (Student objects or ids) whose health notes `user` may read on `date`
    (default: today, Asia/Shanghai). The one rule for health notes (DESIGN.md, PIPL need to know),
    used by the API, the pages and the exports:

    - the child's guardians, the child's homeroom teacher and the school's principal;
    - the teachers who hold the child that day (a roll of the day, a group or club meeting that day)
      and the school's duty leader on their rostered day only (`DAY_HOLDERS`);
    - the system administrator (who edits the record in the Django admin anyway).

    Nobody else: not the bureau, the district, the moral-education or teaching-affairs office, the
    duty leader on another day, other teachers or other parents (they may see the rest of the child).
    A fixed number of queries for any number of students.
    """
    scope = scope_of(user)
    items = list(students)
    if scope.user_id is None or not items:
        return set()
    rows: dict[int, tuple[int, int]] = {}  # student id -> (school id, homeroom class id)
    ids = [s for s in items if not isinstance(s, Student)]
    for s in items:
        if isinstance(s, Student):
            rows[s.pk] = (s.school_id, s.homeroom_class_id)
    if ids:
        for pk, school_id, class_id in Student.objects.filter(pk__in=ids).values_list(
                "pk", "school_id", "homeroom_class_id"):
            rows[pk] = (school_id, class_id)
    if scope.is_admin:
        return set(rows)
    principal_of = scope.schools_with(Role.PRINCIPAL)
    seen = {pk for pk, (school_id, class_id) in rows.items()
            if school_id in principal_of or class_id in scope.homeroom_class_ids}
    rest = {pk: school_id for pk, (school_id, _class) in rows.items() if pk not in seen}
    if rest:
        seen |= set(Guardianship.objects.filter(guardian_id=scope.user_id, active=True, student_id__in=list(rest))
                    .values_list("student_id", flat=True))
        rest = {pk: school_id for pk, school_id in rest.items() if pk not in seen}
    # Holding a child is a staff member's, at the child's school.
    rest = {pk: school_id for pk, school_id in rest.items() if school_id in scope.staff_school_ids}
    if rest:
        day = date or timezone.localdate()
        for holder in DAY_HOLDERS:
            seen |= holder(scope, day, rest) & set(rest)
            rest = {pk: school_id for pk, school_id in rest.items() if pk not in seen}
            if not rest:
                break
    return seen


def health_notes_shown(user, students, date=None) -> dict[int, str]:
    """{student id: health note} of the `students` (Student objects) who have a note that `user` may
    read (`health_notes_visible`); no query when none of them has a note."""
    with_notes = [s for s in students if s.health_notes]
    visible = health_notes_visible(user, with_notes, date) if with_notes else set()
    return {s.pk: s.health_notes for s in with_notes if s.pk in visible}
