from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _teacher_home(scope):
    from django.urls import reverse

    return reverse("attendance:today")


def _duty_leader_home(scope):
    """Today's rostered duty leader lands on the console; on other days the role is only rota
    eligibility and the next rule (teacher) decides."""
    from django.urls import reverse
    from django.utils import timezone

    from .models import DutyRota

    school_id = (DutyRota.objects.filter(leader_id=scope.user_id, date=timezone.localdate())
                 .values_list("school_id", flat=True).first())
    return reverse("attendance:console", args=[school_id]) if school_id else None


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from accounts.home import set_home
        from accounts.nav import register_nav
        from accounts.roles import Role

        set_home(Role.TEACHER, _teacher_home)
        set_home(Role.DUTY_LEADER, _duty_leader_home)
        register_nav(_("Today's rolls"), "attendance:today",
                     roles={Role.TEACHER, Role.HOMEROOM, Role.PRINCIPAL, Role.ACADEMIC, Role.MORAL_ED,
                            Role.DUTY_LEADER}, order=10)
        register_nav(_("Duty console"), "attendance:my_console", roles={Role.DUTY_LEADER, Role.PRINCIPAL}, order=11)
        register_nav(_("Leave"), "attendance:leave", roles={Role.PARENT}, order=6)
        register_nav(_("Hours statements"), "attendance:statements",
                     roles={Role.ACADEMIC, Role.PRINCIPAL, Role.DISTRICT, Role.BUREAU}, order=40)

        from privacy.registry import register_provider, register_scrubber
        from schools.selectors import register_day_holder

        from . import today  # noqa: F401  (the today cards' cache receivers)
        from .selectors import child_data, child_scrub, day_holder

        register_day_holder(day_holder)  # health notes: the day's rolls and rostered duty leader

        register_provider("attendance", _("Attendance and handovers"), child_data)
        register_scrubber("attendance", child_scrub)
