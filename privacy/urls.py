from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("notice/", views.notice_page, name="notice"),
    path("consent/", views.consent, name="consent"),
    path("consent/<int:student_id>/", views.consent_decide, name="consent_decide"),
    path("children/<int:student_id>/data/", views.child_data, name="child_data"),
    path("children/<int:student_id>/data.json", views.child_data_json, name="child_data_json"),
    path("children/<int:student_id>/correction/", views.correction_new, name="correction_new"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:pk>/done/", views.correction_done, name="correction_done"),
    path("audit/access/", views.audit_access, name="audit_access"),
    path("audit/changes/", views.audit_changes, name="audit_changes"),
]
