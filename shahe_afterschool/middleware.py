"""Request logging: one structured line per request, with a request id.

First in MIDDLEWARE, so that every other middleware and the view log under the request's id. The id
is the caller's `X-Request-ID` (nginx sets it to `$request_id`) when it looks like an id, a new one
otherwise; the response carries it back in `X-Request-ID`. The line has the method, the path without
its query string (which may hold names or phone numbers), the status, the duration and the user's
id: never a name, phone number or any other personal data.
"""
import ipaddress
import logging
import time

from . import logs

logger = logging.getLogger("shahe.request")

#: Paths a load balancer or monitor calls every few seconds: logged at DEBUG, not INFO.
QUIET_PATHS = frozenset({"/healthz", "/healthz/", "/readyz", "/readyz/"})


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.clean_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = request_id
        id_token = logs.request_id_var.set(request_id)
        user_token = logs.user_id_var.set(None)
        request_token = logs.request_var.set(request)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            user_id = logs.user_id_of(request)  # only if the view loaded the user: no extra query
            logs.user_id_var.set(user_id)
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            level = logging.DEBUG if request.path in QUIET_PATHS and response.status_code < 500 else logging.INFO
            logger.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            logs.request_var.reset(request_token)
            logs.user_id_var.reset(user_token)
            logs.request_id_var.reset(id_token)


def client_ip(request) -> str | None:
    """The client's address: the one function every throttle, lockout and audit row uses (django-axes
    through AXES_CLIENT_IP_CALLABLE, DRF's throttles through shahe_afterschool.throttling, the
    invitation-code and sign-in throttles in accounts.throttle, and accounts.services.audit_record).

    Behind nginx every request comes from nginx's address, so a limit keyed on it would be shared by
    the whole city: when the direct peer is one of TRUSTED_PROXY_IPS, the address nginx puts in
    X-Real-IP is used instead. A client cannot forge it: the header is believed only from a trusted
    proxy, and nginx overwrites it. X-Forwarded-For is never read: a client writes what it likes there.
    Takes a Django or a DRF request; None (no request, as in a task) gives None."""
    from django.conf import settings

    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    if remote and remote in getattr(settings, "TRUSTED_PROXY_IPS", ()):
        forwarded = _valid_address(request.META.get("HTTP_X_REAL_IP", ""))
        if forwarded:
            return forwarded
    return remote


def _valid_address(value: str) -> str | None:
    """The address in `value`, or None when it is not one (an audit row's inet column refuses junk)."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
