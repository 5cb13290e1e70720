from django.urls import path

from shahe_afterschool.urls import urlpatterns as project_urlpatterns

from . import views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/floor/write/", views.floor_write, name="bench_floor_write"),
    *project_urlpatterns,
]
