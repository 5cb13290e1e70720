"""Every endpoint under /api/v1/: one DRF router; each app's `api.py` adds its own through
`register_api(router) -> list[path]` (extra non-router paths)."""
import importlib
import importlib.util

from django.conf import settings
from rest_framework.routers import DefaultRouter


class Router(DefaultRouter):
    """The project's router: an object id in an API URL is ASCII digits (`[0-9]+`, as Django's
    `<int:pk>` on the pages). DRF's default `[^/.]+` let `/students/٣٣/` and `/students/３３/` reach
    child 33, because `int()` reads every script's digits; here they are 404 before any view runs.
    A viewset that looks objects up by something else sets its own `lookup_value_regex`."""

    ID_PATTERN = "[0-9]+"

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", self.ID_PATTERN)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"


router = Router()
# No `.json` suffix routes and no browsable root: fewer doors, each of them in the access matrix.
router.include_format_suffixes = False
router.include_root_view = False
extra = []
for app in settings.PROJECT_APPS:
    if importlib.util.find_spec(f"{app}.api"):
        module = importlib.import_module(f"{app}.api")
        if hasattr(module, "register_api"):
            extra.extend(module.register_api(router))

urlpatterns = [*extra, *router.urls]
