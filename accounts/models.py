from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .roles import SCHOOL_ROLES, Role


class User(AbstractUser):
    """A person who signs in: a guardian, a member of a school's staff, or bureau staff.

    `name` holds the full Chinese name (姓名) as one field; first/last name are not used.
    """

    name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    #: The language notices are written in and pages shown in once signed in ("" = the site's default);
    #: the language switch sets it.
    language = models.CharField(_("language"), max_length=8, blank=True, default="", db_default="")
    #: The user's openid at the city's WeChat official account (bound from inside WeChat), or "".
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True, default="", db_default="")
    wechat_bound_at = models.DateTimeField(_("WeChat bound at"), null=True, blank=True)
    #: Ordinary notices (not urgent ones, which always go out) by WeChat when bound, and by SMS only
    #: when the user asks for it.
    notify_ordinary_wechat = models.BooleanField(_("ordinary notices by WeChat"), default=True, db_default=True)
    notify_ordinary_sms = models.BooleanField(_("ordinary notices by text message"), default=False,
                                              db_default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    @cached_property
    def scope(self):
        """What this user may see, computed once per request (see accounts.scoping)."""
        from .scoping import Scope

        return Scope.for_user(self)


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class RoleAssignment(models.Model):
    """One role of one user at one school or district (or city-wide for bureau and admin)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments",
        verbose_name=_("school"),
    )
    district = models.ForeignKey(
        "schools.District", null=True, blank=True, on_delete=models.PROTECT, related_name="role_assignments",
        verbose_name=_("district"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "school"], condition=models.Q(school__isnull=False),
                name="unique_role_at_school",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "district"], condition=models.Q(district__isnull=False),
                name="unique_role_in_district",
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(school__isnull=True, district__isnull=True),
                name="unique_city_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.school or self.district or _("city")
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        if self.role in SCHOOL_ROLES and not self.school_id:
            raise ValidationError({"school": _("This role is held at a school.")})
        if self.role == Role.DISTRICT and not self.district_id:
            raise ValidationError({"district": _("District staff belong to a district.")})
        if self.role in {Role.BUREAU, Role.ADMIN, Role.PARENT} and (self.school_id or self.district_id):
            raise ValidationError(_("This role is not tied to a school or district."))


class AuditEvent(models.Model):
    """Who read or changed what. Written for logins and for reads of sensitive personal data."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGOUT = "logout", _("Signed out")
        LOGIN_FAILED = "login_failed", _("Sign-in failed")
        LOCKED_OUT = "locked_out", _("Locked out")
        READ = "read", _("Read sensitive data")
        CHANGE = "change", _("Changed sensitive data")
        EXPORT = "export", _("Exported data")
        REFUSED = "refused", _("Refused: account of another school")
        REVOKED = "code_revoked", _("Invitation code revoked")
        LINKED = "linked", _("Child linked by the guardian")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}:{self.object_id}"


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        from django.utils import timezone

        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A one-time invitation code (邀请码) with which a guardian or a member of staff sets the
    password of an account the school created. Only a keyed hash of the code is stored: the code
    itself is shown once, on the printed letter or the screen that issued it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("school"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # A link code (关联码): for a guardian whose account belongs to another school too. It sets no
    # password; signed in to their own account, the guardian enters it to link this child.
    student = models.ForeignKey(
        "schools.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("child to link"),
    )
    relation = models.CharField(_("relation"), max_length=16, blank=True, default="", db_default="")
    history = HistoricalRecords()

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation code (邀请码)")
        verbose_name_plural = _("invitation codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class PhoneCode(models.Model):
    """A 6-digit code sent by SMS: to sign in, or to confirm a new phone number. Only a keyed hash is
    stored; it lives 5 minutes, is used once and ends after 5 wrong tries. Rows are kept (they are the
    count of codes a number received today)."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")
        VERIFY = "verify", _("Confirm a phone number")

    phone = models.CharField(_("mobile phone"), max_length=11, db_index=True, db_default="")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices, db_default="sign_in")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("user"))
    code_hash = models.CharField(max_length=64, editable=False, db_default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} · {self.purpose} · {self.created_at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """The session keys a user signed in with, so that deactivating the user can end them all."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")
        constraints = [models.UniqueConstraint(fields=["user", "session_key"], name="unique_user_session")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"
