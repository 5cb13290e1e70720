from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from accounts.nav import register_nav

        register_nav(_("Inbox"), "notices:inbox", order=95)

        from . import workbench

        workbench.register()  # the workbench's count of unread must-read notices
