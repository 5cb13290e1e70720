from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from django.urls import reverse

        from accounts.home import set_home
        from accounts.nav import register_nav
        from accounts.roles import Role

        from . import attendance_section, sections  # noqa: F401  register the built-in sections

        register_nav(_("Coverage reports"), "reports:dashboard",
                     roles={Role.BUREAU, Role.DISTRICT, Role.PRINCIPAL, Role.ADMIN}, order=70)
        set_home(Role.BUREAU, lambda scope: reverse("reports:city"))
        set_home(Role.DISTRICT, lambda scope: reverse("reports:district", args=[min(scope.district_ids)])
                 if scope.district_ids else None)
