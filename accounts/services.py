"""Writes on accounts: roles, deactivation, audit."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string, salted_hmac
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from shahe_afterschool.errors import DomainError
from shahe_afterschool.middleware import client_ip

from .models import AuditEvent, Invitation, RoleAssignment, UserSession

User = get_user_model()


def audit_record(*, request=None, user=None, action: str, obj=None, object_type: str = "", object_id="",
                 detail: str = "", username: str = "") -> AuditEvent:
    """Append one audit event. Reads of sensitive data and every sign-in pass through here."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        user=user,
        username=username or (user.get_username() if user else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        detail=detail[:255],
        ip_address=client_ip(request),
    )


def audit_read_many(*, request, objects, object_type: str, detail: str = "") -> None:
    """One audit row per object read, in one INSERT (a list page must not add a query a row)."""
    user = request.user if request.user.is_authenticated else None
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=user, username=user.get_username() if user else "", action=AuditEvent.Action.READ,
                object_type=object_type, object_id=str(o.pk), detail=detail, ip_address=client_ip(request),
            )
            for o in objects
        ]
    )


@transaction.atomic
def role_assign(*, user, role: str, school=None, district=None) -> RoleAssignment:
    """Give `user` the role at a school, in a district or city-wide (an ended one is taken up again).

    The role is checked before anything is written: one of ours, held where it belongs (a school role
    at a school, district staff in a district, the city's roles nowhere). The user, school and
    district are the objects given, so nothing is read back to check that they exist."""
    candidate = RoleAssignment(user=user, role=role, school=school, district=district)
    candidate.clean_fields(exclude=["user", "school", "district"])
    candidate.clean()
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, district=district, defaults={"active": True}
    )
    if not assignment.active:
        assignment.active = True
        assignment.save(update_fields=["active"])
    return assignment


@transaction.atomic
def role_end(*, assignment: RoleAssignment) -> RoleAssignment:
    """Roles are ended, never deleted, so the history shows who held what and when."""
    assignment.active = False
    assignment.save(update_fields=["active"])
    return assignment


@transaction.atomic
def user_deactivate(*, user) -> None:
    """Deactivate an account: its sessions are deleted (every session key it signed in with is
    tracked in `UserSession`), its API tokens are deleted and its unused invitation codes revoked.
    Even a session we did not track stops working: the auth backend refuses inactive users."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()
    sessions_end(user=user)
    _revoke_codes(Invitation.objects.filter(user=user), by=None, reason="the account was deactivated")


def sessions_end(*, user) -> int:
    """Delete every session the user signed in with, whatever the session engine."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def session_track(*, user, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.get_or_create(user=user, session_key=session_key)


# --- invitation codes ------------------------------------------------------------------------------
#: No 0/O, 1/I/L: codes are read off paper and typed on phones.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
INVITATION_DAYS = 30
_CODE_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"}


def invitation_normalise(raw: str) -> str:
    """'abcd-efgh 23', 'ＡＢＣＤ－ＥＦＧＨ２３' → 'ABCDEFGH23'."""
    return re.sub(r"[^0-9A-Z]", "", (raw or "").translate(_CODE_FULLWIDTH).upper())


def invitation_hash(code: str) -> str:
    return salted_hmac("accounts.invitation", invitation_normalise(code), algorithm="sha256").hexdigest()


def invitation_format(code: str) -> str:
    return "-".join(code[i:i + 5] for i in range(0, len(code), 5))


#: What a school's staff are told when an account belongs (also) to another school: nothing about
#: whose number or username it is. The bureau sees the refusal in the audit log.
NOT_HERE = _("This phone number or username cannot be used here. Ask the education bureau.")


def _sees_city(user) -> bool:
    from .scoping import scope_of

    scope = scope_of(user)
    return scope.is_admin or scope.is_bureau


def cross_school_refuse(*, by, school, account, what: str, request=None):
    """Record that a school's staff were refused an account of another school, and raise the neutral
    message. The bureau reads these in the audit log (privacy: 访问日志, action "refused")."""
    audit_record(request=request, user=by, action=AuditEvent.Action.REFUSED, object_type="accounts.user",
                 object_id=account.pk,
                 detail=f"{what} at school {getattr(school, 'pk', school)} refused: the account has links "
                        "at another school")
    raise DomainError(NOT_HERE, field="phone")


def _issuing_school(*, user, by, school):
    """The school that issues a code for `user`: every link of the account must be within it, and
    `by` must administer it (the bureau and the system administrator may issue for any account)."""
    from .roles import Role
    from .scoping import scope_of
    from .selectors import account_links

    if by is None or _sees_city(by):
        return school
    links = account_links(user)
    candidates = [school] if school is not None else None
    principal_of = scope_of(by).schools_with(Role.PRINCIPAL)
    if candidates is None:
        candidates = sorted(principal_of)
    for candidate in candidates:
        candidate_id = getattr(candidate, "pk", candidate)
        if candidate_id in principal_of and links.within(candidate_id):
            if school is None:
                from schools.models import School

                return School.objects.get(pk=candidate_id)
            return school
    cross_school_refuse(by=by, school=school, account=user, what="invitation code")


def _revoke_codes(queryset, *, by, reason: str) -> int:
    """Revoke usable codes, logged in the audit log (one row per account)."""
    now = timezone.now()
    rows = list(queryset.usable().values_list("pk", "user_id"))
    if not rows:
        return 0
    Invitation.objects.filter(pk__in=[pk for pk, _user in rows]).update(revoked_at=now)
    AuditEvent.objects.bulk_create([
        AuditEvent(user=by, username=by.get_username() if by else "", action=AuditEvent.Action.REVOKED,
                   object_type="accounts.user", object_id=str(user_id), detail=reason[:255])
        for user_id in sorted({user_id for _pk, user_id in rows})
    ])
    return len(rows)


def invitation_issue(*, user, by=None, school=None, days: int = INVITATION_DAYS) -> str:
    """A fresh one-time code for an account that has no password yet. Earlier unused codes of the
    account stop working, so only the latest printed letter is valid. Returns the code (shown once).
    Only for an account whose every link is within the issuing school, and only by that school (the
    refusal is checked, and audited, before the transaction that issues)."""
    if user.has_usable_password():
        raise DomainError(_("%(name)s already has an account with a password.") % {"name": user.get_full_name()})
    if not user.is_active:
        raise DomainError(_("This account has been deactivated."))
    school = _issuing_school(user=user, by=by, school=school)
    with transaction.atomic():
        return _invitation_create(user=user, by=by, school=school, days=days)


def _invitation_create(*, user, by, school, days: int) -> str:
    now = timezone.now()
    _revoke_codes(Invitation.objects.filter(user=user, student__isnull=True), by=by,
                  reason="a new invitation code was issued")
    code = get_random_string(CODE_LENGTH, CODE_ALPHABET)
    Invitation.objects.create(user=user, code_hash=invitation_hash(code), school=school, created_by=by,
                              expires_at=now + timedelta(days=days))
    return invitation_format(code)


def invitation_issue_many(*, users, by=None, school=None, days: int = INVITATION_DAYS) -> dict:
    """Codes for many accounts at once (a class's letters): {user id: code}. Accounts that also
    belong to another school get no code (they join once, where all their links are, and link a
    further child with a link code)."""
    from .selectors import account_links_many

    now = timezone.now()
    users = [u for u in users if u.is_active and not u.has_usable_password()]
    if by is not None and not _sees_city(by):
        links = account_links_many([u.pk for u in users])
        users = [u for u in users if links[u.pk].within(school)]
    codes = {u.pk: get_random_string(CODE_LENGTH, CODE_ALPHABET) for u in users}
    with transaction.atomic():
        _revoke_codes(Invitation.objects.filter(user__in=users, student__isnull=True), by=by,
                      reason="new letters were printed")
        Invitation.objects.bulk_create([
            Invitation(user=u, code_hash=invitation_hash(codes[u.pk]), school=school, created_by=by,
                       created_at=now, expires_at=now + timedelta(days=days))
            for u in users
        ])
    return {pk: invitation_format(code) for pk, code in codes.items()}


# --- link codes (关联码) ------------------------------------------------------------------------------
@transaction.atomic
def link_code_issue(*, user, student, relation: str, by, school, days: int = INVITATION_DAYS) -> str:
    """A one-time code with which the guardian `user`, signed in to their own account, links
    `student`. For a guardian whose account belongs to another school as well: the school never
    gets a way into that account. Earlier unused link codes for the same child stop working."""
    now = timezone.now()
    _revoke_codes(Invitation.objects.filter(user=user, student=student), by=by,
                  reason="a new link code was issued")
    code = get_random_string(CODE_LENGTH, CODE_ALPHABET)
    Invitation.objects.create(user=user, student=student, relation=relation, code_hash=invitation_hash(code),
                              school=school, created_by=by, expires_at=now + timedelta(days=days))
    return invitation_format(code)


@transaction.atomic
def link_code_redeem(*, user, code: str):
    """The signed-in guardian links the child of a link code. A code issued for another account is
    answered exactly like a wrong code. Returns the guardianship."""
    from schools.models import Guardianship

    normalised = invitation_normalise(code)
    if len(normalised) != CODE_LENGTH:
        raise DomainError(_("The code has 10 letters and digits; check it against the letter."), field="code")
    invitation = (Invitation.objects.usable().select_for_update()
                  .filter(code_hash=invitation_hash(normalised), student__isnull=False, user=user)
                  .select_related("student").first())
    if invitation is None:
        raise DomainError(_("This code is not valid. Check it against the letter, or ask the school for a new one."),
                          field="code")
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    link, created = Guardianship.objects.get_or_create(
        guardian=user, student=invitation.student,
        defaults={"relation": invitation.relation or Guardianship.Relation.OTHER})
    if not created and not link.active:
        link.active = True
        link.save(update_fields=["active"])
    role_assign(user=user, role="parent")
    audit_record(user=user, action=AuditEvent.Action.LINKED, obj=invitation.student,
                 detail="the guardian linked the child with a link code")
    return link


def invitation_find(*, code: str) -> Invitation:
    """The invitation for a code, or DomainError saying what is wrong with it."""
    normalised = invitation_normalise(code)
    if len(normalised) != CODE_LENGTH:
        raise DomainError(_("The code has 10 letters and digits; check it against the letter."), field="code")
    invitation = Invitation.objects.select_related("user").filter(code_hash=invitation_hash(normalised),
                                                                  student__isnull=True).first()
    if invitation is None or invitation.revoked_at is not None or not invitation.user.is_active:
        raise DomainError(_("This code is not valid. Check it against the letter, or ask the school for a new one."),
                          field="code")
    if invitation.used_at is not None:
        raise DomainError(_("This code has already been used. Sign in with your username and password."),
                          field="code")
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This code has expired. Ask the school for a new one."), field="code")
    return invitation


@transaction.atomic
def invitation_redeem(*, code: str, password: str):
    """Set the account's password with a one-time code. The code is spent even if two requests
    race: only the request whose compare-and-set marks it used goes on."""
    invitation = invitation_find(code=code)
    user = invitation.user
    password_validation.validate_password(password, user)
    now = timezone.now()
    spent = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=now)
    if not spent:
        raise DomainError(_("This code has already been used. Sign in with your username and password."),
                          field="code")
    user.set_password(password)
    user.save(update_fields=["password"])
    _revoke_codes(Invitation.objects.filter(user=user, student__isnull=True), by=user,
                  reason="the account's password was set with another code")
    return user


# --- staff -------------------------------------------------------------------------------------------
def staff_account_check(*, school, phone: str, username: str = "", by=None) -> None:
    """Refuse (audited, neutral message) an existing account that has links at another school. Call
    it before the transaction that adds the member of staff, so that the refusal stays in the log."""
    from .privacy import normalise_phone
    from .selectors import account_links

    if by is None or _sees_city(by):
        return
    phone = normalise_phone(phone)
    username = (username or "").strip() or phone
    existing = User.objects.filter(username=username).first()
    if existing is None and username == phone:
        existing = User.objects.filter(phone=phone).order_by("id").first()
    if existing is not None and account_links(existing).elsewhere_than(school):
        cross_school_refuse(by=by, school=school, account=existing, what="staff account")


@transaction.atomic
def staff_create(*, school, name: str, phone: str, username: str = "", by=None) -> tuple[User, bool]:
    """A staff account without a password (the person sets it with an invitation code), or the
    existing account with this username (or phone) when all its links are at this school:
    (user, created)."""
    from .privacy import normalise_phone, validate_phone

    phone = normalise_phone(phone)
    try:
        validate_phone(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="phone") from exc
    name = (name or "").strip()
    if not name:
        raise DomainError(_("The name is missing."), field="name")
    username = (username or "").strip() or phone
    existing = User.objects.filter(username=username).first()
    if existing is None and username == phone:
        existing = User.objects.filter(phone=phone).order_by("id").first()
    if existing is not None:
        from .selectors import account_links

        if by is not None and not _sees_city(by) and account_links(existing).elsewhere_than(school):
            cross_school_refuse(by=by, school=school, account=existing, what="staff account")
        if existing.phone and existing.phone != phone:
            raise DomainError(_("The username %(value)s belongs to another person.") % {"value": username},
                              field="username")
        return existing, False
    user = User(username=username, name=name[:64], phone=phone)
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc
    user.save()
    return user, True


# --- API tokens ----------------------------------------------------------------------------------
#: A staff token's last use is noted (in the cache) at most this often, as the staff session is written.
TOKEN_SEEN_INTERVAL = 60


def _token_seen_key(key: str) -> str:
    return "api-token-seen:" + hashlib.sha256(key.encode()).hexdigest()


def _token_drop(token) -> bool:
    cache.delete(_token_seen_key(token.key))
    Token.objects.filter(pk=token.pk).delete()
    return False


def token_use(*, token, now=None) -> bool:
    """Whether an API token may still be used; an expired one is deleted. Every token ends
    API_TOKEN_TTL after its creation. A staff member's token follows the staff session policy
    (accounts.middleware): it ends STAFF_SESSION_IDLE_SECONDS after its last use and
    STAFF_SESSION_MAX_SECONDS after its creation. The last use is kept in the cache (Redis in
    production; losing it only ends staff tokens older than the idle time, as if unused)."""
    now = now or timezone.now()
    if token.created <= now - settings.API_TOKEN_TTL:
        return _token_drop(token)
    if not token.user.scope.is_staff_member:
        return True
    stamp, created = now.timestamp(), token.created.timestamp()
    key = _token_seen_key(token.key)
    seen = cache.get(key)
    last = created if seen is None else seen
    if stamp - created > settings.STAFF_SESSION_MAX_SECONDS or stamp - last > settings.STAFF_SESSION_IDLE_SECONDS:
        return _token_drop(token)
    if seen is None or stamp - seen >= TOKEN_SEEN_INTERVAL:
        cache.set(key, stamp, timeout=settings.STAFF_SESSION_IDLE_SECONDS)
    return True


def token_for(*, user) -> Token:
    """The token a sign-in through the API hands out: the account's current one, or a new one when
    that has expired (token_use)."""
    token = Token.objects.filter(user=user).first()
    if token is not None:
        token.user = user  # the caller's object: its scope is computed once
        if token_use(token=token):
            return token
    token, _created = Token.objects.get_or_create(user=user)
    token_use(token=token)
    return token


def token_revoke(*, user) -> int:
    keys = list(Token.objects.filter(user=user).values_list("key", flat=True))
    cache.delete_many([_token_seen_key(key) for key in keys])
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


# --- sign-in and phone confirmation with a code sent by SMS ------------------------------------------
class TooManyRequests(DomainError):
    status_code = 429


class SendingPaused(DomainError):
    status_code = 503


PHONE_CODE_TTL = timedelta(minutes=5)
PHONE_CODE_RESEND_SECONDS = 60
PHONE_CODE_MAX_WRONG = 5
PHONE_CODES_PER_NUMBER_PER_DAY = 10
PHONE_CODES_PER_ADDRESS_PER_HOUR = 20
#: Wrong codes from one address (any numbers) within 15 minutes before the form refuses every try.
PHONE_CODE_WRONG_PER_ADDRESS = 20
WRONG_CODE = _("The code is not right or has expired. Ask for a new code.")


def phone_code_hash(phone: str, code: str) -> str:
    return salted_hmac("accounts.phone_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def phone_code_normalise(raw: str) -> str:
    """'１２３ ４５６' → '123456'; anything but 6 digits is refused (400)."""
    import unicodedata

    code = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(raw or "")))
    if not code:
        raise DomainError(_("Enter the 6-digit code from the text message."), field="code")
    if not code.isdigit() or len(code) != 6:
        raise DomainError(_("The code has 6 digits."), field="code")
    return code


def _sms_budget_key(now) -> str:
    return f"sms-budget:{timezone.localtime(now):%Y%m%d%H}"


def _sms_budget_paused(now) -> bool:
    return int(cache.get(_sms_budget_key(now)) or 0) >= settings.SMS_HOURLY_BUDGET


def _sms_budget_spend(now) -> None:
    """Count one code sent this hour; the first time the budget is reached, alert the administrators."""
    from .throttle import count

    if count(_sms_budget_key(now), 3600) == settings.SMS_HOURLY_BUDGET:
        _sms_budget_alert(now)


def _sms_budget_alert(now) -> None:
    import logging

    from notices.services import notify

    from .roles import Role

    logging.getLogger("shahe.security").error("SMS hourly budget of %s reached: sending codes is paused",
                                              settings.SMS_HOURLY_BUDGET)
    admins = list(User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(role_assignments__role=Role.ADMIN, role_assignments__active=True)
    ).distinct())
    # each administrator reads it in their own language
    title = _("Text-message codes paused: the hourly budget of %(n)s is spent")
    body = _("More sign-in codes were asked for this hour than the city's budget allows (SMS bombing?). "
             "Sending resumes at the next full hour. Check the audit log for the addresses.")
    notify(recipients=admins, kind="accounts.sms_budget", title=title, body=body,
           context={"n": settings.SMS_HOURLY_BUDGET},
           dedupe_key=f"sms-budget:{timezone.localtime(now):%Y%m%d%H}")


def phone_code_request(*, request, phone: str, purpose: str = "sign_in", user=None) -> None:
    """Send a 6-digit code by SMS to `phone` (any form people type it; 400 for a landline, a wrong
    length, letters). For sign-in, the code goes only to a number that belongs to exactly one active
    account, and the answer is the same either way: the limits below count unknown numbers too.

    Limits: one code a minute per number, 10 a day per number, 20 requests an hour per address; a
    city-wide hourly budget pauses sending (503) and alerts the administrators."""
    from notices import sms
    from notices.providers import ProviderError

    from . import throttle
    from .models import PhoneCode
    from .phones import normalise_phone

    number = normalise_phone(phone)
    now = timezone.now()
    if not throttle.attempt("sms-code", request, limit=PHONE_CODES_PER_ADDRESS_PER_HOUR, window=3600):
        raise TooManyRequests(_("Too many codes asked for from this network. Try again in an hour."))
    if _sms_budget_paused(now):
        raise SendingPaused(_("Text messages are paused for a while. Sign in with your password, or try again "
                              "later."))
    if not cache.add(f"sms-code:resend:{purpose}:{number}", 1, timeout=PHONE_CODE_RESEND_SECONDS):
        raise TooManyRequests(_("A code was sent a moment ago. Wait a minute before asking for another."))
    if throttle.count(f"sms-code:day:{number}", 24 * 3600) > PHONE_CODES_PER_NUMBER_PER_DAY:
        raise TooManyRequests(_("This number has had too many codes today. Sign in with your password, or try "
                                "again tomorrow."))
    if purpose == PhoneCode.Purpose.SIGN_IN:
        accounts = list(User.objects.filter(phone=number, is_active=True)[:2])
        if len(accounts) != 1:
            return  # nothing is sent to an unknown number (nor to one shared by two accounts)
        user = accounts[0]
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        # a new code ends the earlier ones of the same number and purpose
        PhoneCode.objects.filter(phone=number, purpose=purpose, used_at__isnull=True, expires_at__gt=now
                                 ).update(expires_at=now)
        row = PhoneCode.objects.create(phone=number, purpose=purpose, user=user, code_hash=phone_code_hash(number, code),
                                       expires_at=now + PHONE_CODE_TTL, ip_address=client_ip(request))
    template = "auth.code" if purpose == PhoneCode.Purpose.SIGN_IN else "auth.verify"
    _sms_budget_spend(now)
    try:
        sms.provider().send(phone=number, template=template, params=[code], key=f"code-{row.pk}")
    except ProviderError as exc:  # the answer stays the same; the log says why no code came
        import logging

        logging.getLogger("shahe.security").warning("sign-in code to %s****%s not sent: %s (request %s)",
                                                    number[:3], number[-4:], exc.code, exc.request_id)


def phone_code_check(*, request, phone: str, code: str, purpose: str = "sign_in", user=None):
    """The account the code signs in (or, for "verify", the PhoneCode confirmed for `user`). A code
    lives 5 minutes, is used once, and 5 wrong tries end it; wrong codes from one address are counted
    as invitation codes are (then every try is refused for 15 minutes)."""
    from . import throttle
    from .models import PhoneCode
    from .phones import normalise_phone

    number = normalise_phone(phone)
    given = phone_code_normalise(code)
    if throttle.is_blocked("sms-sign-in", request, limit=PHONE_CODE_WRONG_PER_ADDRESS):
        raise TooManyRequests(_("Too many wrong codes. Wait 15 minutes and try again."))
    now = timezone.now()
    with transaction.atomic():
        rows = PhoneCode.objects.select_for_update().filter(
            phone=number, purpose=purpose, used_at__isnull=True, expires_at__gt=now,
            wrong_tries__lt=PHONE_CODE_MAX_WRONG)
        if user is not None:
            rows = rows.filter(user=user)
        row = rows.order_by("-created_at").first()
        right = row is not None and constant_time_compare(row.code_hash, phone_code_hash(number, given))
        if right:
            row.used_at = now
            row.save(update_fields=["used_at"])
        elif row is not None:
            PhoneCode.objects.filter(pk=row.pk).update(wrong_tries=F("wrong_tries") + 1)
    if not right:
        throttle.record_failure("sms-sign-in", request)
        audit_record(request=request, action=AuditEvent.Action.LOGIN_FAILED, object_type="phone_code",
                     detail=f"wrong or spent code for {number[:3]}****{number[-4:]}")
        raise DomainError(WRONG_CODE, field="code")
    if purpose == PhoneCode.Purpose.SIGN_IN:
        account = row.user
        if account is None or not account.is_active or account.phone != number:
            raise DomainError(WRONG_CODE, field="code")
        return account
    return row


# --- contact details and language -----------------------------------------------------------------
def saved_language(user) -> str:
    """The user's saved language if it is one of the site's (else "")."""
    language = getattr(user, "language", "") or ""
    return language if language in {code for code, _name in settings.LANGUAGES} else ""


def user_language_set(*, user, language: str) -> None:
    """The language the user reads pages and notices in (the language switch sets it when signed in)."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language in codes and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_email_set(*, request, user, email: str) -> None:
    """An optional e-mail address for notices ("" removes it)."""
    from django.core.validators import validate_email

    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(_("Enter a valid e-mail address, or leave it empty."), field="email") from exc
    if user.email != email:
        user.email = email[:254]
        user.save(update_fields=["email"])
        audit_record(request=request, user=user, action=AuditEvent.Action.CHANGE, obj=user, detail="e-mail address")


def user_phone_change(*, request, user, phone: str, code: str) -> str:
    """Confirm a new phone number with the code sent to it (`phone_code_request(purpose="verify")`)."""
    from .models import PhoneCode

    row = phone_code_check(request=request, phone=phone, code=code, purpose=PhoneCode.Purpose.VERIFY, user=user)
    if User.objects.filter(phone=row.phone, is_active=True).exclude(pk=user.pk).exists():
        raise DomainError(_("This phone number belongs to another account. Ask your school."), field="phone")
    user.phone = row.phone
    user.save(update_fields=["phone"])
    audit_record(request=request, user=user, action=AuditEvent.Action.CHANGE, obj=user, detail="phone number")
    return row.phone


def user_wechat_bind(*, request, user, openid: str) -> None:
    from django.utils import timezone as tz

    if not openid:
        raise DomainError(_("WeChat did not say who you are. Try again from inside WeChat."))
    User.objects.filter(wechat_openid=openid).exclude(pk=user.pk).update(wechat_openid="", wechat_bound_at=None)
    user.wechat_openid = openid[:64]
    user.wechat_bound_at = tz.now()
    user.save(update_fields=["wechat_openid", "wechat_bound_at"])
    audit_record(request=request, user=user, action=AuditEvent.Action.CHANGE, obj=user, detail="WeChat bound")


def user_wechat_unbind(*, request, user) -> None:
    if user.wechat_openid:
        user.wechat_openid = ""
        user.wechat_bound_at = None
        user.save(update_fields=["wechat_openid", "wechat_bound_at"])
        audit_record(request=request, user=user, action=AuditEvent.Action.CHANGE, obj=user, detail="WeChat unbound")
