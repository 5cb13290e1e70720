import logging

from celery import shared_task

logger = logging.getLogger("shahe.test_task")


@shared_task(name="tests.ops.note_request_id")
def note_request_id() -> str:
    """Logs one line; its record carries the request id of the request that started the task."""
    logger.info("inside the task")
    return "noted"
