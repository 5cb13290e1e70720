from django.urls import path

from . import views
from .models import ScopeKind

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("city/", views.scope_page, {"kind": ScopeKind.CITY}, name="city"),
    path("city-direct/", views.scope_page, {"kind": ScopeKind.CITY_DIRECT}, name="city_direct"),
    path("district/<int:pk>/", views.scope_page, {"kind": ScopeKind.DISTRICT}, name="district"),
    path("school/<int:pk>/", views.scope_page, {"kind": ScopeKind.SCHOOL}, name="school"),
    path("r/<int:pk>/xlsx/", views.report_export, {"fmt": "xlsx"}, name="xlsx"),
    path("r/<int:pk>/csv/", views.report_export, {"fmt": "csv"}, name="csv"),
    path("r/<int:pk>/print/", views.report_export, {"fmt": "print"}, name="print"),
    path("r/<int:pk>/term.xlsx", views.term_summary, name="term_xlsx"),
    path("manage/", views.manage, name="manage"),
    path("build/", views.build, name="build"),
    path("publish/", views.publish, name="publish"),
]
