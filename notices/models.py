from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A notice is its recipient's alone."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in one user's in-app inbox (站内消息). Other channels (e-mail, SMS) deliver a
    copy; the in-app notice is written first, in the caller's transaction, so it is never lost."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=48, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    must_read = models.BooleanField(_("must read"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    #: Optional key that makes a notice unique per recipient (a retried task sends it once).
    dedupe_key = models.CharField(max_length=128, blank=True, default="")
    #: What an SMS or WeChat template needs besides the title: {"child", "school", "time"} (strings).
    params = models.JSONField(_("template parameters"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="unique_notice_dedupe"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # how the notices of a day's absences and refusals reached each guardian is looked up by
            # key (notices.selectors.delivery_states, the duty console): without it, a scan of every notice
            models.Index(fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="notice_dedupe_key"),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One notice sent through one channel (短信, 微信, e-mail): queued, held for the night, sent, or
    failed with the provider's code and retried. Exactly one row per notice and channel: its `key` is
    our idempotency key (and the provider's, where the provider has one), so a retried task or a
    second worker never sends the same notice twice by the same channel. Rows are kept, never deleted."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        HELD = "held", _("Held until the morning")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will retry")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="deliveries",
                                     verbose_name=_("notification"))
    channel = models.CharField(_("channel"), max_length=16, db_default="")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED,
                              db_default=Status.QUEUED)
    key = models.CharField(_("idempotency key"), max_length=64, unique=True, db_default="")
    #: The address as staff may see it: a masked phone number, "WeChat", a masked e-mail address.
    to_display = models.CharField(_("to"), max_length=64, blank=True, default="", db_default="")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    #: The provider's id of the message (Tencent's SerialNo, WeChat's msgid, the outbox row).
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True, default="", db_default="")
    #: The provider's answer when it failed ("LimitExceeded.PhoneNumberDailyLimit", "40001", "timeout").
    error_code = models.CharField(_("error code"), max_length=96, blank=True, default="", db_default="")
    error_detail = models.CharField(_("error"), max_length=255, blank=True, default="", db_default="")
    request_id = models.CharField(_("provider request id"), max_length=64, blank=True, default="", db_default="")
    #: The last attempt ended without an answer (a timeout): the provider may or may not have sent it.
    uncertain = models.BooleanField(_("outcome unknown"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    #: When a held or failed delivery is next tried.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="unique_delivery_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.notification_id} · {self.channel} · {self.status}"


class OutboxMessage(models.Model):
    """A message that a provider would have sent, when no provider is configured (development, the
    demo, the tests). `/notices/outbox/` (system administrator) and `manage.py outbox` show them, so
    that a sign-in code "sent" by SMS can be read. Production settings refuse the outbox."""

    channel = models.CharField(_("channel"), max_length=16, db_default="")
    to = models.CharField(_("to"), max_length=64, db_index=True, db_default="")
    template = models.CharField(_("template"), max_length=48, blank=True, default="", db_default="")
    params = models.JSONField(_("template parameters"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)
    #: Our idempotency key (the delivery's key; a sign-in code's own): the outbox keeps one message a key.
    key = models.CharField(max_length=96, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="unique_outbox_key"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}: {self.text[:40]}"
