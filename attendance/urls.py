from django.urls import path, re_path

from . import views

app_name = "attendance"
urlpatterns = [
    path("", views.today, name="today"),
    path("generate/", views.generate, name="generate"),
    path("rolls/<int:pk>/", views.roll, name="roll"),
    path("sw.js", views.service_worker, name="sw"),
    path("console/", views.my_console, name="my_console"),
    path("console/<int:school_id>/", views.console, name="console"),
    path("console/<int:school_id>/pickup/", views.pickup, name="pickup"),
    path("console/<int:school_id>/refuse/", views.refuse, name="refuse"),
    path("console/<int:school_id>/follow-up/", views.follow_up, name="follow_up"),
    path("console/<int:school_id>/close/", views.close_day, name="close_day"),
    path("patrol/<int:school_id>/", views.patrol, name="patrol"),
    path("rota/<int:school_id>/", views.rota, name="rota"),
    path("overview/<int:school_id>/", views.overview, name="overview"),
    re_path(r"^handover/(?P<source>class|roll)/(?P<pk>[0-9]+)/$", views.handover, name="handover"),
    path("departure-slots/<int:school_id>/", views.departure_slots, name="departure_slots"),
    path("leave/", views.leave, name="leave"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
]
