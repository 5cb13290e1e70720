from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import STAFF_ROLES, Role

        from . import receivers  # noqa: F401  (what changes the rendered school list)

        register_nav(_("Schools"), "schools:list", roles=STAFF_ROLES, order=90)
        register_nav(_("My children"), "schools:my_children", roles={Role.PARENT}, order=10)
        register_nav(_("School administration"), "schools:admin_entry", roles={Role.PRINCIPAL, Role.ADMIN}, order=80)
        register_nav(_("Terms"), "schools:terms", roles={Role.BUREAU, Role.ADMIN}, order=85)
        register_nav(_("School calendar"), "schools:calendar",
                     roles={Role.BUREAU, Role.PRINCIPAL, Role.ACADEMIC, Role.ADMIN}, order=86)
