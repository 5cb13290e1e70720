from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Children's privacy")

    def ready(self) -> None:
        from accounts.nav import register_nav
        from accounts.roles import Role

        from .providers import register_builtin
        register_builtin()
        register_nav(_("Privacy and consent"), "privacy:consent", roles={Role.PARENT}, order=80)
        register_nav(_("Correction requests"), "privacy:corrections", roles={Role.PRINCIPAL}, order=85)
        register_nav(_("Audit log"), "privacy:audit_access", roles={Role.PRINCIPAL, Role.BUREAU, Role.ADMIN},
                     order=90)
