"""Roster and staff imports: check every row, plan the changes, and write them in one go.

`roster_check` / `staff_check` turn a `Table` into normalised rows (plain JSON, kept on the
`ImportBatch` between preview and confirmation) and a list of errors by row and column.
`roster_plan` compares the rows with the database in a fixed number of queries and says what would
change; `roster_write` writes that plan with bulk statements (and their history rows), so that
3,000 rows cost the same number of queries as 30 (on PostgreSQL; SQLite splits large INSERTs).
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import RoleAssignment
from accounts.privacy import normalise_phone, validate_phone
from accounts.roles import Role
from shahe_afterschool import fragments

from . import selectors
from .models import Grade, Guardianship, HomeroomClass, School, Student, pinyin_key
from .spreadsheets import CellError, Msg, Table, class_key, clean_name, clean_text, map_columns, parse_date
from .spreadsheets import Msg as _  # untranslated until shown (see spreadsheets.Msg)

User = get_user_model()

# --- the columns ----------------------------------------------------------------------------------
#: key → accepted header names; the first is the one the template uses.
ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "school": ("学校", "学校名称", "school"),
    "student_number": ("学号", "学籍号", "学生学号", "student number", "student_number"),
    "name": ("姓名", "学生姓名", "name"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "出生年月日", "生日", "birth date", "birth_date"),
    "class": ("班级", "班级名称", "class"),
    "g1_name": ("监护人姓名", "监护人1姓名", "家长姓名", "guardian name"),
    "g1_relation": ("监护人关系", "监护人1关系", "与学生关系", "关系", "guardian relation"),
    "g1_phone": ("监护人电话", "监护人1电话", "家长电话", "联系电话", "手机号", "guardian phone"),
    "g2_name": ("监护人2姓名", "guardian 2 name"),
    "g2_relation": ("监护人2关系", "guardian 2 relation"),
    "g2_phone": ("监护人2电话", "guardian 2 phone"),
    # optional: an e-mail address for the guardian's notices (issue 20)
    "g1_email": ("监护人邮箱", "监护人1邮箱", "家长邮箱", "电子邮箱", "邮箱", "guardian email"),
    "g2_email": ("监护人2邮箱", "guardian 2 email"),
}
ROSTER_REQUIRED = {"student_number", "name", "gender", "class"}
ROSTER_TEMPLATE_HEADERS = [ROSTER_COLUMNS[k][0] for k in ROSTER_COLUMNS if k != "school"]
#: Sample rows of the template; they import cleanly into a primary school that has 一年级（1）班.
ROSTER_TEMPLATE_ROWS = [
    ["2026010101", "王子涵", "男", "2019-09-01", "一年级（1）班", "王建国", "父亲", "139 0000 0101", "李丽", "母亲",
     "13900000102", "wangjianguo@example.cn", ""],
    ["2026010102", "李欣怡", "女", "2019/3/15", "一年级（1）班", "李华", "母亲", "139-0000-0103", "", "", "", "", ""],
    ["2026010103", "欧阳·明", "男", "2019年5月20日", "一年级（1）班", "欧阳强", "爷爷", "13900000104", "", "", "", "",
     ""],
]

STAFF_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机", "电话", "联系电话", "phone"),
    "username": ("用户名", "username"),
    "roles": ("角色", "岗位", "roles"),
    "class": ("班主任班级", "班级", "class"),
}
STAFF_REQUIRED = {"name", "phone", "roles"}
STAFF_TEMPLATE_HEADERS = [STAFF_COLUMNS[k][0] for k in STAFF_COLUMNS]
STAFF_TEMPLATE_ROWS = [
    ["赵老师", "13700000201", "", "教师、班主任", "一年级（2）班"],
    ["钱老师", "13700000202", "", "教师", ""],
    ["孙主任", "13700000203", "", "德育处", ""],
]
#: Roles a principal may give: everything at the school except principal.
ASSIGNABLE_ROLES = [Role.TEACHER, Role.HOMEROOM, Role.MORAL_ED, Role.ACADEMIC, Role.DUTY_LEADER]
ROLE_WORDS = {
    "教师": Role.TEACHER, "任课教师": Role.TEACHER, "老师": Role.TEACHER, "teacher": Role.TEACHER,
    "班主任": Role.HOMEROOM, "homeroom": Role.HOMEROOM,
    "德育处": Role.MORAL_ED, "德育": Role.MORAL_ED, "moral_ed": Role.MORAL_ED,
    "教务处": Role.ACADEMIC, "教务": Role.ACADEMIC, "academic": Role.ACADEMIC,
    "带班领导": Role.DUTY_LEADER, "值班领导": Role.DUTY_LEADER, "duty_leader": Role.DUTY_LEADER,
}

GENDER_WORDS = {"男": "M", "m": "M", "male": "M", "女": "F", "f": "F", "female": "F"}
RELATION_WORDS = {
    "父亲": "father", "爸爸": "father", "父": "father", "father": "father",
    "母亲": "mother", "妈妈": "mother", "母": "mother", "mother": "mother",
    "爷爷": "grandparent", "奶奶": "grandparent", "外公": "grandparent", "外婆": "grandparent",
    "祖父": "grandparent", "祖母": "grandparent", "外祖父": "grandparent", "外祖母": "grandparent",
    "姥姥": "grandparent", "姥爷": "grandparent", "祖父母": "grandparent", "grandparent": "grandparent",
    "其他": "other", "其它": "other", "监护人": "other", "other": "other",
}
STUDENT_NUMBER_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
EARLIEST_BIRTH = datetime.date(1990, 1, 1)


def grade_of_class(name: str) -> int | None:
    """'三年级（2）班' → 3, '初一（2）班' → 7; None when the name does not say."""
    match = re.match(r"^([一二三四五六七八九1-9])年级", name)
    if match:
        g = match.group(1)
        return GRADE_WORDS.get(g) or int(g)
    match = re.match(r"^初([一二三])", name)
    if match:
        return 6 + GRADE_WORDS[match.group(1)]
    return None


class _Row:
    """Collects the errors of one row, naming the column as the file names it."""

    def __init__(self, number: int, cells: list, columns: dict[str, int], headers: list[str], errors: list):
        self.number, self.cells, self.columns, self.headers, self.errors = number, cells, columns, headers, errors
        self.ok = True

    def raw(self, key: str):
        index = self.columns.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def text(self, key: str) -> str:
        return clean_text(self.raw(key))

    def error(self, key: str, message: Msg) -> None:
        self.ok = False
        index = self.columns.get(key)
        column = self.headers[index] if index is not None and index < len(self.headers) else key
        self.errors.append({"row": self.number, "column": column, **message.as_json()})


# --- roster -------------------------------------------------------------------------------------
def roster_check(*, school: School, table: Table, create_classes: bool = False) -> tuple[list, list, list]:
    """Every row checked: (normalised rows, errors, names of classes the import would create).

    Two queries (the school's classes and grades) whatever the size of the file."""
    columns = map_columns(table.headers, ROSTER_COLUMNS, ROSTER_REQUIRED)
    existing = {class_key(c.name) for c in HomeroomClass.objects.filter(school=school, active=True)}
    rows: list[dict] = []
    errors: list[dict] = []
    new_classes: list[str] = []
    seen_numbers: dict[str, int] = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, table.headers, errors)
        school_text = row.text("school")
        if school_text and school_text not in (school.name, school.code):
            row.error("school", _("This row belongs to “%(other)s”, not to %(school)s. A school imports only "
                                  "its own students.") % {"other": school_text, "school": school.name})
        student_number = row.text("student_number").replace(" ", "")
        if not student_number:
            row.error("student_number", _("The student number is missing."))
        elif not STUDENT_NUMBER_RE.match(student_number):
            row.error("student_number", _("“%(value)s” is not a student number: use letters and digits only.")
                      % {"value": student_number})
        elif student_number in seen_numbers:
            row.error("student_number", _("Student number %(value)s appears twice: also in row %(other)d.")
                      % {"value": student_number, "other": seen_numbers[student_number]})
        else:
            seen_numbers[student_number] = number
        name = clean_name(row.raw("name"))
        if not name:
            row.error("name", _("The name is missing."))
        elif len(name) > 64:
            row.error("name", _("The name is longer than 64 characters."))
        gender_text = row.text("gender").lower()
        gender = GENDER_WORDS.get(gender_text)
        if gender is None:
            row.error("gender", _("“%(value)s” is not a gender: write 男 or 女.") % {"value": gender_text}
                      if gender_text else _("The gender is missing: write 男 or 女."))
        birth_date = None
        raw_birth = row.raw("birth_date")
        if clean_text(raw_birth):
            try:
                birth_date = parse_date(raw_birth)
            except CellError as exc:
                row.error("birth_date", exc.msg)
            else:
                if not EARLIEST_BIRTH <= birth_date <= timezone.localdate():
                    row.error("birth_date", _("%(value)s is not a plausible birth date.")
                              % {"value": birth_date.isoformat()})
                    birth_date = None
        klass = class_key(row.text("class"))
        if not klass:
            row.error("class", _("The class is missing."))
        elif klass not in existing:
            grade = grade_of_class(klass)
            if create_classes and grade in school.grade_range:
                if klass not in new_classes:
                    new_classes.append(klass)
            elif create_classes:
                row.error("class", _("There is no class “%(value)s” at this school, and its name does not say "
                                     "a grade of this school (write it as 三年级（2）班).") % {"value": klass})
            else:
                row.error("class", _("There is no class “%(value)s” at this school. Check the name, or tick "
                                     "“create classes that do not exist yet”.") % {"value": klass})
        guardians = []
        for slot in ("g1", "g2"):
            g_name = clean_name(row.raw(f"{slot}_name"))
            g_phone_raw = row.text(f"{slot}_phone")
            g_relation_text = row.text(f"{slot}_relation").lower()
            if not (g_name or g_phone_raw or g_relation_text):
                continue
            if not g_name:
                row.error(f"{slot}_name", _("The guardian's name is missing."))
            phone = normalise_phone(g_phone_raw)
            try:
                validate_phone(phone)
            except ValidationError:
                row.error(f"{slot}_phone", _("“%(value)s” is not a phone number: a mainland mobile number has 11 "
                                             "digits and starts with 1.") % {"value": g_phone_raw}
                          if g_phone_raw else _("The guardian's phone number is missing."))
            email = row.text(f"{slot}_email").strip()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    row.error(f"{slot}_email", _("“%(value)s” is not an e-mail address.") % {"value": email})
            relation = RELATION_WORDS.get(g_relation_text or "other")

            if relation is None:
                row.error(f"{slot}_relation", _("“%(value)s” is not a relation: write 父亲, 母亲, 爷爷, 奶奶, 外公, "
                                                "外婆 or 其他.") % {"value": g_relation_text})
            guardians.append({"name": g_name[:64], "phone": phone, "relation": relation, "email": email[:254]})
        if row.ok:
            rows.append({
                "row": number, "student_number": student_number, "name": name, "gender": gender,
                "birth_date": birth_date.isoformat() if birth_date else None, "class": klass,
                "guardians": guardians,
            })
    if not table.rows:
        errors.append({"row": 1, "column": "", **_("The file has a header row but no students.").as_json()})
    return rows, errors, new_classes


@dataclass
class RosterPlan:
    new_grades: list = field(default_factory=list)
    new_classes: list = field(default_factory=list)
    new_students: list = field(default_factory=list)
    changed_students: list = field(default_factory=list)
    changed_fields: set = field(default_factory=set)
    unchanged_students: int = 0
    new_users: list = field(default_factory=list)
    email_updates: list = field(default_factory=list)
    new_parent_roles: list = field(default_factory=list)
    reactivated_parent_roles: list = field(default_factory=list)
    #: the Guardianship rows written for `_links` (filled by `roster_write`, not by the plan)
    new_guardianships: list = field(default_factory=list)
    changed_guardianships: list = field(default_factory=list)
    #: (row, student number) → pending objects resolved when written
    _links: list = field(default_factory=list)
    #: (user, student, relation) of guardians whose accounts also belong to another school: never
    #: linked by the import; each gets a link code (关联码) printed on the class letters instead
    cross_school: list = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "classes_new": len(self.new_classes), "students_new": len(self.new_students),
            "students_updated": len(self.changed_students), "students_unchanged": self.unchanged_students,
            "guardian_accounts_new": len(self.new_users),
            # `_links` are the new links; once written, `new_guardianships` holds the same links
            # as rows, so adding both counted every link twice (issue 21).
            "guardianships_new": len(self._links),
            "guardianships_updated": len(self.changed_guardianships),
            "guardians_elsewhere": len(self.cross_school),
        }


def roster_plan(*, school: School, rows: list[dict]) -> RosterPlan:
    """What writing these rows would change, in six queries whatever the number of rows."""
    plan = RosterPlan()
    grades = {g.number: g for g in Grade.objects.filter(school=school)}
    classes = {class_key(c.name): c for c in HomeroomClass.objects.filter(school=school)}
    students = {s.student_number: s for s in Student.objects.filter(school=school)}
    from .demo import GRADE_NAMES

    for row in rows:
        key = row["class"]
        if key not in classes:
            number = grade_of_class(key)
            if number not in grades:
                grades[number] = Grade(school=school, number=number, name=GRADE_NAMES.get(number, f"{number}年级"))
                plan.new_grades.append(grades[number])
            classes[key] = HomeroomClass(school=school, grade=grades[number], name=key)
            plan.new_classes.append(classes[key])
        klass = classes[key]
        birth = datetime.date.fromisoformat(row["birth_date"]) if row["birth_date"] else None
        student = students.get(row["student_number"])
        if student is None:
            student = Student(school=school, homeroom_class=klass, student_number=row["student_number"],
                              name=row["name"], name_pinyin=pinyin_key(row["name"]), gender=row["gender"],
                              birth_date=birth)
            plan.new_students.append(student)
            students[student.student_number] = student
        else:
            changed = set()
            if student.name != row["name"]:
                student.name, student.name_pinyin = row["name"], pinyin_key(row["name"])
                changed |= {"name", "name_pinyin"}
            if student.gender != row["gender"]:
                student.gender = row["gender"]
                changed.add("gender")
            # An empty birth-date cell does not erase a date the school already has.
            if birth and student.birth_date != birth:
                student.birth_date = birth
                changed.add("birth_date")
            if student.homeroom_class_id != klass.pk or klass.pk is None:
                student.homeroom_class = klass
                changed.add("homeroom_class")
            if changed:
                plan.changed_students.append(student)
                plan.changed_fields |= changed
            else:
                plan.unchanged_students += 1

    phones = {g["phone"] for row in rows for g in row["guardians"]}
    users_by_phone: dict[str, object] = {}
    if phones:
        for user in User.objects.filter(Q(phone__in=phones) | Q(username__in=phones)).order_by("id"):
            # Prefer the account whose username is the phone (the one an import made), then the oldest.
            key = user.phone if user.phone in phones else user.username
            if key not in users_by_phone or user.username == key:
                users_by_phone[key] = user
    for row in rows:
        for g in row["guardians"]:
            known = users_by_phone.get(g["phone"])
            if known is not None and known.pk and g.get("email") and not known.email:
                known.email = g["email"]  # an account without an address gets the one the school has
                plan.email_updates.append(known)
            if g["phone"] not in users_by_phone:
                user = User(username=g["phone"], phone=g["phone"], name=g["name"], password=make_password(None),
                            email=g.get("email", ""))
                users_by_phone[g["phone"]] = user
                plan.new_users.append(user)

    known_user_ids = [u.pk for u in users_by_phone.values() if u.pk]
    # An account that also belongs to another school is never linked by a school (issue 17).
    from accounts.selectors import account_links_many

    links_of = account_links_many(known_user_ids)
    elsewhere = {pk for pk, links in links_of.items() if links.elsewhere_than(school)}
    plan.email_updates = [u for u in plan.email_updates if u.pk not in elsewhere]
    parent_roles = {
        a.user_id: a for a in RoleAssignment.objects.filter(
            user_id__in=known_user_ids, role=Role.PARENT, school__isnull=True, district__isnull=True)
    } if known_user_ids else {}
    for user in users_by_phone.values():
        if user.pk in elsewhere:
            continue
        assignment = parent_roles.get(user.pk) if user.pk else None
        if assignment is None:
            plan.new_parent_roles.append(user)
        elif not assignment.active:
            assignment.active = True
            plan.reactivated_parent_roles.append(assignment)

    # All the school's links: filtering by guardian as well makes SQLite choose a plan 40x slower.
    existing_links = {
        (g.guardian_id, g.student_id): g for g in Guardianship.objects.filter(student__school_id=school.pk)
    } if known_user_ids else {}
    for row in rows:
        student = students[row["student_number"]]
        for g in row["guardians"]:
            user = users_by_phone[g["phone"]]
            if user.pk in elsewhere:
                if (user.pk, student.pk) not in existing_links or not existing_links[(user.pk, student.pk)].active:
                    plan.cross_school.append((user, student, g["relation"]))
                continue
            link = existing_links.get((user.pk, student.pk)) if user.pk and student.pk else None
            if link is None:
                plan._links.append((user, student, g["relation"]))
            elif link.relation != g["relation"] or not link.active:
                link.relation, link.active = g["relation"], True
                plan.changed_guardianships.append(link)
    # Two rows naming the same guardian for the same child make one link.
    unique = {}
    for user, student, relation in plan._links:
        unique.setdefault((id(user), id(student)), (user, student, relation))
    plan._links = list(unique.values())
    return plan


def roster_write(*, plan: RosterPlan, user, reason: str) -> None:
    """Write a plan with bulk statements and their history rows (the caller holds the transaction)."""
    history = {"default_user": user, "default_change_reason": reason}
    fragments.changed(selectors.LIST_SUBJECT)  # bulk writes send no post_save (schools.receivers)
    # Objects that point at objects created just before get their ids from Django's
    # _prepare_related_fields_for_save, which bulk_create and bulk_update call.
    if plan.new_grades:
        Grade.objects.bulk_create(plan.new_grades)
    if plan.new_classes:
        bulk_create_with_history(plan.new_classes, HomeroomClass, **history)
    if plan.new_students:
        bulk_create_with_history(plan.new_students, Student, **history)
    if plan.changed_students:
        bulk_update_with_history(plan.changed_students, Student, sorted(plan.changed_fields | {"homeroom_class"}),
                                 **history)
    if plan.new_users:
        User.objects.bulk_create(plan.new_users)
    if plan.email_updates:
        User.objects.bulk_update(plan.email_updates, ["email"])
    if plan.new_parent_roles:
        bulk_create_with_history(
            [RoleAssignment(user_id=u.pk, role=Role.PARENT) for u in plan.new_parent_roles], RoleAssignment, **history
        )
    if plan.reactivated_parent_roles:
        bulk_update_with_history(plan.reactivated_parent_roles, RoleAssignment, ["active"], **history)
    new_links = [
        Guardianship(guardian_id=u.pk, student_id=s.pk, relation=relation) for u, s, relation in plan._links
    ]
    plan.new_guardianships = new_links
    if new_links:
        bulk_create_with_history(new_links, Guardianship, **history)
    if plan.changed_guardianships:
        bulk_update_with_history(plan.changed_guardianships, Guardianship, ["relation", "active"], **history)
    if plan.cross_school:
        from accounts.models import AuditEvent
        from accounts.services import link_code_issue

        for guardian, student, relation in plan.cross_school:
            # The code itself is printed later with the class letters (which issue a fresh one).
            link_code_issue(user=guardian, student=student, relation=relation, by=user, school=student.school)
        AuditEvent.objects.bulk_create([
            AuditEvent(user=user, username=user.get_username() if user else "", action=AuditEvent.Action.REFUSED,
                       object_type="accounts.user", object_id=str(guardian.pk),
                       detail=f"roster import: guardian link to student {student.pk} at school {student.school_id} "
                              "refused (the account has links at another school); a link code was issued")
            for guardian, student, _relation in plan.cross_school
        ])


# --- staff --------------------------------------------------------------------------------------
def staff_check(*, school: School, table: Table) -> tuple[list, list, list]:
    """Every row of a staff list checked: (normalised rows, errors, [])."""
    columns = map_columns(table.headers, STAFF_COLUMNS, STAFF_REQUIRED)
    classes = {class_key(c.name) for c in HomeroomClass.objects.filter(school=school, active=True)}
    rows, errors = [], []
    seen_phones: dict[str, int] = {}
    seen_classes: dict[str, int] = {}
    usernames = {}
    for number, cells in table.rows:
        row = _Row(number, cells, columns, table.headers, errors)
        name = clean_name(row.raw("name"))
        if not name:
            row.error("name", _("The name is missing."))
        phone_raw = row.text("phone")
        phone = normalise_phone(phone_raw)
        try:
            validate_phone(phone)
        except ValidationError:
            row.error("phone", _("“%(value)s” is not a phone number: a mainland mobile number has 11 digits and "
                                 "starts with 1.") % {"value": phone_raw}
                      if phone_raw else _("The phone number is missing."))
        else:
            if phone in seen_phones:
                row.error("phone", _("Phone number %(value)s appears twice: also in row %(other)d.")
                          % {"value": phone, "other": seen_phones[phone]})
            seen_phones.setdefault(phone, number)
        username = row.text("username").replace(" ", "") or phone
        if username and not re.fullmatch(r"[\w.@+-]{1,150}", username):
            row.error("username", _("“%(value)s” is not a username: use letters, digits and . @ + - _ only.")
                      % {"value": username})
        roles = []
        for word in re.split(r"[,，、;；/\s]+", row.text("roles")):
            if not word:
                continue
            role = ROLE_WORDS.get(word.lower())
            if role is None:
                row.error("roles", _("“%(value)s” is not a role: write 教师, 班主任, 德育处, 教务处 or 带班领导.")
                          % {"value": word})
            elif role not in roles:
                roles.append(role)
        klass = class_key(row.text("class"))
        if klass and Role.HOMEROOM not in roles:
            roles.append(Role.HOMEROOM)
        if Role.HOMEROOM in roles:
            if not klass:
                row.error("class", _("A homeroom teacher needs the class they lead."))
            elif klass not in classes:
                row.error("class", _("There is no class “%(value)s” at this school.") % {"value": klass})
            elif klass in seen_classes:
                row.error("class", _("Class %(value)s has two homeroom teachers: also in row %(other)d.")
                          % {"value": klass, "other": seen_classes[klass]})
            else:
                seen_classes[klass] = number
        if not roles and row.ok:
            row.error("roles", _("The role is missing."))
        if row.ok:
            usernames[username] = phone
            rows.append({"row": number, "name": name[:64], "phone": phone, "username": username, "roles": roles,
                         "class": klass})
    # A username that belongs to someone with another phone number would take over their account.
    for user in User.objects.filter(username__in=list(usernames)):
        if user.phone and user.phone != usernames[user.username]:
            for r in [r for r in rows if r["username"] == user.username]:
                errors.append({"row": r["row"], "column": STAFF_COLUMNS["username"][0],
                               **(_("The username %(value)s belongs to another person.")
                                  % {"value": user.username}).as_json()})
                rows.remove(r)
    # An account that also belongs to another school is never attached by a school (issue 17): the
    # same neutral words as the staff page, nothing about whose account it is.
    from accounts.selectors import account_links_many

    found = {}
    for user in User.objects.filter(Q(username__in=[r["username"] for r in rows])
                                    | Q(phone__in=[r["phone"] for r in rows])).order_by("id"):
        found.setdefault(("u", user.username), user)
        if user.phone:
            found.setdefault(("p", user.phone), user)
    links = account_links_many({u.pk for u in found.values()})
    for r in list(rows):
        user = found.get(("u", r["username"])) or (found.get(("p", r["phone"])) if r["username"] == r["phone"]
                                                   else None)
        if user is not None and links[user.pk].elsewhere_than(school):
            errors.append({"row": r["row"], "column": STAFF_COLUMNS["phone"][0],
                           **_("This phone number or username cannot be used here. Ask the education "
                               "bureau.").as_json()})
            rows.remove(r)
    if not table.rows:
        errors.append({"row": 1, "column": "", **_("The file has a header row but no staff.").as_json()})
    return rows, errors, []
