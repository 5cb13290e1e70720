from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = _("Parent voice")

    def ready(self) -> None:
        from accounts.nav import register_nav

        from . import (
            audiences,  # noqa: F401 - registers the built-in audience kinds
            hooks,
        )

        hooks.register()  # privacy registries

        register_nav(_("Announcements"), "voice:announcements", order=80)
        register_nav(_("Questionnaires"), "voice:questionnaires", order=81)
