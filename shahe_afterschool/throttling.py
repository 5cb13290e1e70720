"""DRF's throttles, keyed on the client's address as the rest of the project sees it.

DRF's own `get_ident` believes a client-sent X-Forwarded-For when NUM_PROXIES is unset, so a client
that writes a new address in that header each time is never limited. These classes use
`shahe_afterschool.middleware.client_ip`, the one function every throttle, lockout and audit row uses:
X-Real-IP from a trusted proxy (TRUSTED_PROXY_IPS), otherwise the direct peer.
"""
from rest_framework import throttling

from .middleware import client_ip


class ClientAddressMixin:
    def get_ident(self, request):
        return client_ip(request) or "unknown"


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """Anonymous calls, per client address (REST_FRAMEWORK's "anon" rate)."""


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """Signed-in calls per user; anonymous ones per client address (the "user" rate)."""


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    """Per view `throttle_scope`, per user or client address."""
