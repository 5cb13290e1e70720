from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from accounts.nav import register_nav

        register_nav(_("Inbox"), "notices:inbox", order=95)

        from django.contrib.auth.signals import user_logged_in

        from .unread import fill_on_sign_in

        user_logged_in.connect(fill_on_sign_in, dispatch_uid="notices.unread.fill_on_sign_in")

        from . import workbench

        workbench.register()  # the workbench's count of unread must-read notices
