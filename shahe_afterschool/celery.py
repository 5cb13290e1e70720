"""The Celery app. Tasks live in `<app>/tasks.py`, take ids, and call services."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shahe_afterschool.settings.local")

app = Celery("shahe_afterschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
