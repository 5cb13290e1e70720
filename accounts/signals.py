"""Every sign-in, sign-out, failure and lockout is written to the audit log and the security log."""
import logging

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import audit_record

log = logging.getLogger("shahe.security")


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    log.info("login user=%s", user.get_username())
    audit_record(request=request, user=user, action=AuditEvent.Action.LOGIN)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        log.info("logout user=%s", user.get_username())
        audit_record(request=request, user=user, action=AuditEvent.Action.LOGOUT)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    log.warning("login failed user=%s", username)
    audit_record(request=request, user=None, username=username[:150], action=AuditEvent.Action.LOGIN_FAILED)


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    log.warning("locked out user=%s ip=%s", username, ip_address)
    audit_record(request=request, user=None, username=(username or "")[:150], action=AuditEvent.Action.LOCKED_OUT)


@receiver(user_logged_in)
def track_session(sender, request, user, **kwargs):
    """Remember the session key so that deactivating the user can delete the session."""
    from .services import session_track

    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        session_track(user=user, session_key=session.session_key)


@receiver(user_logged_in)
def use_saved_language(sender, request, user, **kwargs):
    """Signing in switches the interface to the user's saved language (`User.language`, kept by the
    language switch): the rest of this request speaks it, and `LoginLanguageMiddleware` sets the
    cookie that Django's LocaleMiddleware reads on the next ones, so an English-preferring parent who
    signs in on a fresh browser sees English. No saved language: the browser's choice stands."""
    from .services import saved_language

    language = saved_language(user)
    if request is None or not language or not hasattr(request, "LANGUAGE_CODE"):
        return  # (a test's force_login has no request through LocaleMiddleware: nothing to switch)
    from django.utils import translation

    translation.activate(language)
    request.LANGUAGE_CODE = language
    request.login_language = language
