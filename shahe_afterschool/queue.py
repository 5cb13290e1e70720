"""Enqueue a Celery task by its name, from a service.

Tasks (`<app>/tasks.py`) call services; a service that must start a task names it instead of
importing the task module, so that the import arrows run one way only (tasks → services). The task
module is imported here, when the task is queued: by then every app is loaded. `delay` (rather
than `send_task`) keeps `CELERY_TASK_ALWAYS_EAGER` working: the laptop and the tests run the task in
process.
"""
from importlib import import_module


def enqueue(task: str, *args, **kwargs):
    """`enqueue("attendance.tasks.notify_absences", roll_id)`: queue the task with these arguments."""
    module, _, name = task.rpartition(".")
    return getattr(import_module(module), name).delay(*args, **kwargs)
