from django.urls import path

from . import admin_views, views

app_name = "schools"
urlpatterns = [
    path("", views.school_list, name="list"),
    path("<int:pk>/", views.school_detail, name="detail"),
    path("my-children/", views.my_children, name="my_children"),
    # School administration (the principal)
    path("manage/", admin_views.admin_entry, name="admin_entry"),
    path("<int:pk>/manage/", admin_views.admin_home, name="admin_home"),
    path("<int:pk>/import/<str:kind>/", admin_views.import_upload, name="import_upload"),
    path("<int:pk>/import/<str:kind>/template.<str:fmt>", admin_views.import_template, name="import_template"),
    path("<int:pk>/imports/<int:batch>/", admin_views.import_preview, name="import_preview"),
    path("<int:pk>/imports/<int:batch>/confirm/", admin_views.import_confirm, name="import_confirm"),
    path("<int:pk>/staff/", admin_views.staff_list, name="staff"),
    path("<int:pk>/staff/<int:user_pk>/", admin_views.staff_detail, name="staff_detail"),
    path("<int:pk>/staff/<int:user_pk>/roles/<int:assignment>/end/", admin_views.staff_role_end,
         name="staff_role_end"),
    path("<int:pk>/staff/<int:user_pk>/deactivate/", admin_views.staff_deactivate, name="staff_deactivate"),
    path("<int:pk>/staff/<int:user_pk>/invite/", admin_views.staff_invite, name="staff_invite"),
    path("<int:pk>/classes/<int:class_pk>/letters/", admin_views.class_letters, name="class_letters"),
    path("<int:pk>/venues/", admin_views.venue_list, name="venues"),
    path("<int:pk>/venues/<int:venue>/", admin_views.venue_edit, name="venue_edit"),
    # The city's terms (the bureau edits; schools read)
    path("terms/", admin_views.term_list, name="terms"),
    path("terms/new/", admin_views.term_edit, name="term_new"),
    path("terms/<int:term>/", admin_views.term_edit, name="term_edit"),
    # The calendar (校历): the bureau's city days, a school's own days
    path("calendar/", admin_views.calendar_page, name="calendar"),
    path("calendar/import/", admin_views.calendar_import, name="calendar_import"),
    path("calendar/import/template/", admin_views.calendar_import_template, name="calendar_import_template"),
    path("calendar/import/<int:batch>/", admin_views.calendar_import_preview, name="calendar_import_preview"),
]
