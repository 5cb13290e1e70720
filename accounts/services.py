"""Writes on accounts: roles, deactivation, audit."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from .models import AuditEvent, RoleAssignment

User = get_user_model()


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=role, school=school, district=district, defaults={"active": True}
    )
    if not assignment.active:
        assignment.active = True
        assignment.save(update_fields=["active"])
    assignment.full_clean()
    return assignment


@transaction.atomic
def role_end(*, assignment: RoleAssignment) -> RoleAssignment:
    """Roles are ended, never deleted, so the history shows who held what and when."""
    assignment.active = False
    assignment.save(update_fields=["active"])
    return assignment


@transaction.atomic
def user_deactivate(*, user) -> None:
    """Deactivate an account: its web sessions stop working at the next request (the auth backend
    refuses inactive users) and its API tokens are deleted."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    Token.objects.filter(user=user).delete()


def token_revoke(*, user) -> int:
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
