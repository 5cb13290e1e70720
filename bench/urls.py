from django.urls import path

from shahe_afterschool.urls import urlpatterns as project_urlpatterns

from . import views

urlpatterns = [path("bench/floor/", views.floor, name="bench_floor"), *project_urlpatterns]
