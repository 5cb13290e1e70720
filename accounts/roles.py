"""The roles of DESIGN.md. A role is a row (user, role, school or district), not a Django group."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PARENT = "parent", _("Parent")
    TEACHER = "teacher", _("Teacher")
    HOMEROOM = "homeroom", _("Homeroom teacher")
    MORAL_ED = "moral_ed", _("Moral-education office")
    ACADEMIC = "academic", _("Teaching-affairs office")
    DUTY_LEADER = "duty_leader", _("Duty leader")
    PRINCIPAL = "principal", _("Principal")
    DISTRICT = "district", _("District staff")
    BUREAU = "bureau", _("Education bureau")
    ADMIN = "admin", _("System administrator")


#: Roles held at one school.
SCHOOL_ROLES = frozenset(
    {Role.TEACHER, Role.HOMEROOM, Role.MORAL_ED, Role.ACADEMIC, Role.DUTY_LEADER, Role.PRINCIPAL}
)
#: Staff of a school who see the whole school's students (not only their own groups).
SCHOOL_WIDE_ROLES = frozenset({Role.PRINCIPAL, Role.MORAL_ED, Role.ACADEMIC, Role.DUTY_LEADER})
STAFF_ROLES = SCHOOL_ROLES | {Role.DISTRICT, Role.BUREAU, Role.ADMIN}
