from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.open_notice, name="open"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("n/<int:pk>/", views.short_link, name="short"),
    path("outbox/", views.outbox, name="outbox"),
    path("preferences/", views.preferences, name="preferences"),
]
