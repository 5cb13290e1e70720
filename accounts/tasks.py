from celery import shared_task
from django.conf import settings
from django.core.management import call_command


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        # Forget the session keys of sessions that no longer exist (see accounts.UserSession).
        from django.contrib.sessions.models import Session

        from .models import UserSession

        UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
