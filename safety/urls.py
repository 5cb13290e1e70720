from django.urls import path

from . import views

app_name = "safety"
urlpatterns = [
    path("", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/export/", views.incident_export, name="incident_export"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("incidents/<int:pk>/follow-up/", views.incident_follow_up, name="incident_follow_up"),
    path("incidents/<int:pk>/guardian-contact/", views.incident_guardian_contact, name="incident_guardian_contact"),
    path("incidents/<int:pk>/notify-guardians/", views.incident_notify_guardians, name="incident_notify_guardians"),
    path("incidents/<int:pk>/transition/", views.incident_transition, name="incident_transition"),
    path("incidents/<int:pk>/follow-up-requests/", views.follow_up_request_new, name="follow_up_request_new"),
    path("follow-up-requests/", views.follow_up_requests, name="follow_up_requests"),
    path("follow-up-requests/<int:pk>/answer/", views.follow_up_request_answer, name="follow_up_request_answer"),
    path("follow-up-requests/<int:pk>/close/", views.follow_up_request_close, name="follow_up_request_close"),
    path("students/search/", views.student_search, name="student_search"),
    path("escalations/", views.escalation_list, name="escalations"),
    path("school/", views.school_overview, name="school"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("drills/new/", views.drill_new, name="drill_new"),
    path("inspections/", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("items/<int:pk>/respond/", views.item_respond, name="item_respond"),
    path("items/<int:pk>/review/", views.item_review, name="item_review"),
]
