from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = _("Safety")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import SCHOOL_ROLES, SCHOOL_WIDE_ROLES, Role

        from . import hooks, receivers  # noqa: F401  (receivers: what changes the shared incident list)

        hooks.register()  # privacy registries
        register_nav(_("Incidents"), "safety:incidents", roles=SCHOOL_ROLES | {Role.PARENT}, order=60)
        register_nav(_("School safety"), "safety:school", roles=SCHOOL_WIDE_ROLES, order=61)
        register_nav(_("Escalations"), "safety:escalations", roles={Role.BUREAU, Role.DISTRICT, Role.ADMIN},
                     order=62)
        register_nav(_("Emergency plans"), "safety:plans",
                     roles=SCHOOL_WIDE_ROLES | {Role.BUREAU, Role.DISTRICT, Role.ADMIN}, order=63)
        register_nav(_("Inspections"), "safety:inspections",
                     roles={Role.PRINCIPAL, Role.BUREAU, Role.DISTRICT, Role.ADMIN}, order=64)
        register_nav(_("Follow-up requests (督办)"), "safety:follow_up_requests",
                     roles={Role.PRINCIPAL, Role.BUREAU, Role.DISTRICT, Role.ADMIN}, order=65)

        from . import workbench

        workbench.register()  # the workbench's counts: incidents, rectification, 督办
