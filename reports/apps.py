from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import Role

        from . import attendance_section, receivers, sections  # noqa: F401  the built-in sections; receivers

        register_nav(_("Coverage reports"), "reports:dashboard",
                     roles={Role.BUREAU, Role.DISTRICT, Role.PRINCIPAL, Role.ADMIN}, order=70)
        # The bureau and district staff land on their workbench (accounts.workbench), which links to
        # the dashboard with the last published week and the schools with compliance flags.
        from . import workbench

        workbench.register()
