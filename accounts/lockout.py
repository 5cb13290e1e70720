"""django-axes with one failure limit per lockout parameter.

AXES_LOCKOUT_PARAMETERS counts failed sign-ins per (username, address), per address and per username;
axes compares every count with the one AXES_FAILURE_LIMIT. An address shared by a school or a mobile
network needs a higher limit than one person's account on one device, so SIGN_IN_FAILURE_LIMITS
gives each single parameter its own (the combination keeps AXES_FAILURE_LIMIT). Everything else,
counting, cool-off, the lockout page, the admin and the reset commands, is axes' own.
"""
from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def _limit(parameter, default: int) -> int:
    if isinstance(parameter, str):
        return getattr(settings, "SIGN_IN_FAILURE_LIMITS", {}).get(parameter, default)
    return default


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures on axes' one scale: locked (>= AXES_FAILURE_LIMIT) as soon as any parameter
        reached its own limit. A parameter with `n` failures and limit `L` counts `n - L + limit`."""
        limit = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if failures:
                worst = max(worst, failures - _limit(parameter, limit) + limit)
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in (AXES_RESET_ON_SUCCESS) clears that account's failures from that address
        only. Axes would clear every parameter's rows, the whole address's among them: one's own account
        would then reset the count of a password spray from the same address."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
