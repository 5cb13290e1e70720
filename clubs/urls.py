from django.urls import path

from . import views

app_name = "clubs"
urlpatterns = [
    path("", views.club_list, name="list"),
    path("new/", views.club_create, name="create"),
    path("<int:pk>/", views.club_detail, name="detail"),
    path("<int:pk>/edit/", views.club_edit, name="edit"),
    path("<int:pk>/submit/", views.club_submit, name="submit"),
    path("<int:pk>/approve/", views.club_approve, name="approve"),
    path("<int:pk>/return/", views.club_return, name="return"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/submit/", views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/return/", views.plan_return, name="plan_return"),
    path("plans/<int:pk>/revise/", views.plan_revise, name="plan_revise"),
    path("timetable/", views.timetable, name="timetable"),
    path("timetable/teacher/<int:user_id>/", views.timetable_teacher, name="timetable_teacher"),
    path("timetable/venue/<int:venue_id>/", views.timetable_venue, name="timetable_venue"),
    path("clashes/", views.clashes, name="clashes"),
    path("menu/", views.menu, name="menu"),
    path("menu/choose/", views.menu_choose, name="choose"),
    path("menu/replace/", views.menu_replace, name="replace"),
    path("choices/<int:pk>/withdraw/", views.choice_withdraw, name="withdraw"),
    path("choices/<int:pk>/move/", views.choice_move, name="move"),
    path("window/", views.window, name="window"),
    path("window/allocate/", views.allocate, name="allocate"),
    path("hours/", views.hours, name="hours"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
