from django.urls import path, re_path

from . import pickup_code_views, statement_views, today_views, views

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
    path("console/<int:school_id>/code/", pickup_code_views.code_entry, name="pickup_code_entry"),
    path("console/<int:school_id>/follow-up/", views.follow_up, name="follow_up"),
    path("console/<int:school_id>/close/", views.close_day, name="close_day"),
    path("patrol/<int:school_id>/", views.patrol, name="patrol"),
    path("rota/<int:school_id>/", views.rota, name="rota"),
    path("overview/<int:school_id>/", views.overview, name="overview"),
    re_path(r"^handover/(?P<source>class|roll)/(?P<pk>[0-9]+)/$", views.handover, name="handover"),
    path("departure-slots/<int:school_id>/", views.departure_slots, name="departure_slots"),
    path("leave/", views.leave, name="leave"),
    path("pickup-code/<int:student_id>/", pickup_code_views.pickup_code, name="pickup_code"),
    path("leave/<int:pk>/cancel/", views.leave_cancel, name="leave_cancel"),
    path("today/<int:student_id>/", today_views.child_today_card, name="child_today"),
    path("today/<int:student_id>/leave/", today_views.child_leave, name="child_leave"),
    # Teachers' service hours: a teacher's own, the monthly statements, the city's sums, the rates
    path("hours/mine/", statement_views.my_hours, name="my_hours"),
    path("statements/", statement_views.statement_list, name="statements"),
    path("statements/build/", statement_views.statement_build, name="statement_build"),
    path("statements/summary/", statement_views.statement_summary, name="statement_summary"),
    path("statements/rates/", statement_views.service_rates, name="service_rates"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement"),
    path("statements/<int:pk>/check/", statement_views.statement_check, name="statement_check"),
    path("statements/<int:pk>/sign/", statement_views.statement_sign, name="statement_sign"),
    path("statements/<int:pk>/xlsx/", statement_views.statement_xlsx, name="statement_xlsx"),
    path("statements/lines/<int:pk>/correct/", statement_views.statement_line_correct, name="statement_line_correct"),
]
