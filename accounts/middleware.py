"""Per-role session lifetime: staff 30 minutes idle and 12 hours in all, parents 14 days."""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

SESSION_STARTED = "_started_at"
SESSION_SEEN = "_seen_at"


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.scope.is_staff_member:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED, now)
            seen = request.session.get(SESSION_SEEN, now)
            if now - seen > settings.STAFF_SESSION_IDLE_SECONDS or now - started > settings.STAFF_SESSION_MAX_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
            else:
                request.session[SESSION_STARTED] = started
                # Write at most once a minute so that every request does not save the session.
                if now - seen >= 60 or SESSION_SEEN not in request.session:
                    request.session[SESSION_SEEN] = now
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
