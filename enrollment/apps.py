from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _teacher_sees_placed_children(user_id, school_ids):
    """A teacher sees the children placed in the after-school groups they teach."""
    from django.db.models import Q

    from .models import Placement

    return Q(pk__in=Placement.objects.filter(
        active=True, group__teacher_id=user_id, group__school_id__in=school_ids
    ).values("application__student_id"))


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self) -> None:
        from django.urls import reverse

        from accounts.home import set_home
        from accounts.nav import register_nav
        from accounts.roles import Role
        from schools.models import TEACHER_STUDENT_FILTERS

        from . import hooks

        hooks.register()  # privacy, clubs and voice registries
        if _teacher_sees_placed_children not in TEACHER_STUDENT_FILTERS:
            TEACHER_STUDENT_FILTERS.append(_teacher_sees_placed_children)
        from schools.selectors import register_day_holder

        from .selectors import group_day_holder

        register_day_holder(group_day_holder)  # health notes: the group's teacher on its days
        set_home(Role.PARENT, lambda scope: reverse("enrollment:parent_home"))
        register_nav(_("After-school service"), "enrollment:parent_home", roles={Role.PARENT}, order=5)
        register_nav(_("Applications to review"), "enrollment:queue", roles={Role.HOMEROOM}, order=20)
        register_nav(_("Groups"), "enrollment:groups", roles={Role.MORAL_ED, Role.ACADEMIC, Role.PRINCIPAL},
                     order=25)

        from . import workbench

        workbench.register()  # the workbench's counts: applications, claims, groups, waiting list
