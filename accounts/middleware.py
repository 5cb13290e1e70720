"""Per-role session lifetime: staff 30 minutes idle and 12 hours in all, parents 14 days."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

SESSION_STARTED = "_started_at"
SESSION_SEEN = "_seen_at"

#: A staff session is written (its last-seen time and expiry refreshed) at most this often.
SESSION_WRITE_INTERVAL = 60


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.scope.is_staff_member:
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED, now)
            seen = session.get(SESSION_SEEN, now)
            if now - seen > settings.STAFF_SESSION_IDLE_SECONDS or now - started > settings.STAFF_SESSION_MAX_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
            else:
                # Every assignment marks the session modified and costs a write transaction
                # (BEGIN; UPDATE django_session; COMMIT): write only what changed, and refresh
                # the last-seen time and the idle expiry at most once a minute.
                if SESSION_STARTED not in session:
                    session[SESSION_STARTED] = started
                if SESSION_SEEN not in session or now - seen >= SESSION_WRITE_INTERVAL:
                    session[SESSION_SEEN] = now
                    session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


class LoginLanguageMiddleware:
    """After a sign-in (`accounts.signals.use_saved_language` marks the request), keep the user's
    saved language in the cookie Django's LocaleMiddleware reads (`LANGUAGE_COOKIE_NAME`, with the
    same attributes as Django's language switch sets it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, "login_language", None)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        return response
