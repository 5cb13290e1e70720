"""URLs for the logging tests: the project's URLs plus a view that fails and one that starts a task."""
from django.http import HttpResponse
from django.urls import path

from shahe_afterschool.urls import urlpatterns as project_urlpatterns

from .tasks import note_request_id


def boom(request):
    raise RuntimeError("boom for the error log test")


def start_task(request):
    note_request_id.delay()
    return HttpResponse("started")


urlpatterns = [path("ops-test/boom/", boom), path("ops-test/task/", start_task), *project_urlpatterns]
