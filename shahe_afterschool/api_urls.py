"""Every endpoint under /api/v1/: one DRF router; each app's `api.py` adds its own through
`register_api(router) -> list[path]` (extra non-router paths)."""
import importlib
import importlib.util

from django.conf import settings
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
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
