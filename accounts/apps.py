from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from shahe_afterschool.history import memoize_history_manager_classes

        from . import signals  # noqa: F401
        from .nav import register_nav
        from .workbench import WORKBENCH_ROLES

        register_nav(_("Workbench"), "accounts:workbench", roles=WORKBENCH_ROLES, order=1, group="today")
        # every save of a model with history read `instance.history`, which built a class each time
        memoize_history_manager_classes()
