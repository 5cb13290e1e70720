"""The URL map. Each app of ours with a `urls.py` is mounted at `/<app>/` (namespace = app name);
each app's `api.py` may define `register_api(router) -> list[path]` for `/api/v1/`."""
import importlib
import importlib.util

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import views as account_views

from . import health
from .api_urls import urlpatterns as api_v1

urlpatterns = [
    path("", account_views.home, name="home"),
    # Django's language switch, which also keeps a signed-in user's choice (accounts.views.set_language)
    path("i18n/setlang/", account_views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # exactly /healthz and /readyz, with or without the trailing slash (no redirect for a probe)
    re_path(r"^healthz/?$", health.healthz, name="healthz"),
    re_path(r"^readyz/?$", health.readyz, name="readyz"),
]
for app in settings.PROJECT_APPS:
    if importlib.util.find_spec(f"{app}.urls"):
        urlpatterns.append(path(f"{app}/", include(f"{app}.urls")))
