from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClubsConfig(AppConfig):
    name = "clubs"
    verbose_name = _("Clubs")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import Role
        from schools.models import TEACHER_STUDENT_FILTERS

        from . import (
            bookings,  # noqa: F401  registers the clubs booking provider
            hooks,
        )
        from .selectors import club_teacher_student_filter

        hooks.register()  # privacy and voice registries
        if club_teacher_student_filter not in TEACHER_STUDENT_FILTERS:
            TEACHER_STUDENT_FILTERS.append(club_teacher_student_filter)
        from schools.selectors import register_day_holder

        from .selectors import club_day_holder

        register_day_holder(club_day_holder)  # health notes: the club's teachers on its days
        staff = {Role.PRINCIPAL, Role.ACADEMIC, Role.MORAL_ED, Role.DUTY_LEADER, Role.TEACHER, Role.HOMEROOM}
        register_nav(_("Club menu"), "clubs:menu", roles={Role.PARENT}, order=30)
        register_nav(_("Clubs"), "clubs:list", roles=staff | {Role.DISTRICT, Role.BUREAU, Role.ADMIN}, order=40)
        register_nav(_("Service plans"), "clubs:plan_list", roles={Role.PRINCIPAL, Role.ACADEMIC, Role.DISTRICT,
                                                                    Role.BUREAU, Role.ADMIN}, order=41)
        register_nav(_("Timetable"), "clubs:timetable", roles=staff, order=42)
        register_nav(_("Club catalogue"), "clubs:catalogue", roles={Role.BUREAU, Role.ADMIN}, order=43)

        from . import workbench

        workbench.register()  # the workbench's counts: plans and clubs to approve, waiting list, window
