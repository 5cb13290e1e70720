from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import Role

        # Teachers and duty leaders land on their workbench (accounts.workbench), which links to
        # today's rolls and to the console on a rostered day.
        register_nav(_("Today's rolls"), "attendance:today",
                     roles={Role.TEACHER, Role.HOMEROOM, Role.PRINCIPAL, Role.ACADEMIC, Role.MORAL_ED,
                            Role.DUTY_LEADER}, order=10)
        register_nav(_("Duty console"), "attendance:my_console", roles={Role.DUTY_LEADER, Role.PRINCIPAL}, order=11)
        register_nav(_("Leave"), "attendance:leave", roles={Role.PARENT}, order=6)
        register_nav(_("Hours statements"), "attendance:statements",
                     roles={Role.ACADEMIC, Role.PRINCIPAL, Role.DISTRICT, Role.BUREAU}, order=40)

        from privacy.registry import register_provider, register_scrubber
        from schools.selectors import register_day_holder

        from . import console_cache, hours_cache, today  # noqa: F401  (the cache receivers: today cards, console, my hours)
        from .selectors import child_data, child_scrub, day_holder

        register_day_holder(day_holder)  # health notes: the day's rolls and rostered duty leader

        register_provider("attendance", _("Attendance and handovers"), child_data)
        register_scrubber("attendance", child_scrub)

        from . import workbench

        workbench.register()  # the workbench's counts: rolls, class absences, console, day close
