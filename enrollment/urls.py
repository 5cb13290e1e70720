from django.urls import path

from . import views

app_name = "enrollment"
urlpatterns = [
    path("", views.parent_home, name="parent_home"),
    path("letter/<int:pk>/", views.letter_read, name="letter"),
    path("letters/new/", views.letter_publish, name="letter_publish"),
    path("apply/<int:student_id>/", views.apply, name="apply"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("children/<int:student_id>/pickup/", views.pickup_persons, name="pickup_persons"),
    path("pickup/<int:pk>/end/", views.pickup_person_end, name="pickup_person_end"),
    path("queue/", views.queue, name="queue"),
    path("applications/<int:pk>/review/", views.review, name="review"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("groups/", views.groups, name="groups"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/close/", views.group_close, name="group_close"),
    path("groups/<int:pk>/teacher/", views.group_teacher, name="group_teacher"),
    path("placements/<int:pk>/move/", views.placement_move, name="placement_move"),
    path("allocate/", views.allocate, name="allocate"),
]
