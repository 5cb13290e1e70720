"""Text messages (短信): Tencent Cloud SMS through its Python SDK, or the outbox.

SMS in China is sent from templates approved by the provider, with parameters only: the settings name
one template per notice kind (`SMS_TEMPLATES`: the provider's template id, the parameter names, and
the approved text for the outbox), the signature (`SMS_SIGN_NAME`) and the credentials (read from the
environment by settings/env.py). `TENCENT_SMS_ENDPOINT` points the real SDK at another host: the
tests run it against a local server that speaks Tencent Cloud's API (tests/notices/fake_tencent.py).

Tencent's SendSms has no idempotency key of its own. Ours (the delivery's key) travels as the
message's `SessionContext`, which Tencent keeps with the message's status report: after an attempt
that got no answer, `find_sent` asks the status reports of the number whether that key went out
before the message is sent again.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .providers import ProviderError, Sent, outbox_allowed, outbox_write

log = logging.getLogger(__name__)

#: Answers after which a later try can succeed. Anything else Tencent says is final for this message
#: (a bad number, a template parameter the template refuses, an unapproved template or signature)...
RETRYABLE_PREFIXES = ("LimitExceeded", "InternalError", "RequestLimitExceeded", "ClientNetworkError",
                      "ServerNetworkError", "FailedOperation.InsufficientBalanceInSmsPackage")
#: ... except an answer we do not know at all: logged with its request id and retried.
KNOWN_FINAL_PREFIXES = ("InvalidParameter", "InvalidParameterValue", "MissingParameter", "UnsupportedOperation",
                        "UnauthorizedOperation", "AuthFailure", "FailedOperation", "ResourceNotFound")


def template_for(kind: str) -> tuple[str, dict]:
    """The template of a notice kind (ordinary kinds share "notice")."""
    templates = settings.SMS_TEMPLATES
    name = kind if kind in templates else "notice"
    return name, templates[name]


def render(template: dict, params: list[str]) -> str:
    text = template.get("text", "")
    for i, value in enumerate(params, start=1):
        text = text.replace("{" + str(i) + "}", str(value))
    text = text.replace("{site}", settings.SITE_URL.rstrip("/"))
    return f"【{settings.SMS_SIGN_NAME}】{text}"


def classify(code: str, message: str = "", request_id: str = "", *, uncertain: bool = False) -> ProviderError:
    if code.startswith(RETRYABLE_PREFIXES):
        return ProviderError(code, message, retryable=True, uncertain=uncertain, request_id=request_id)
    if code.startswith(KNOWN_FINAL_PREFIXES):
        return ProviderError(code, message, retryable=False, request_id=request_id)
    log.warning("unknown SMS provider answer %s (request %s): %s", code, request_id, message)
    return ProviderError(code, message, retryable=True, request_id=request_id)


class OutboxSms:
    name = "outbox"

    def send(self, *, phone: str, template: str, params: list[str], key: str = "") -> Sent:
        return outbox_write(channel="sms", to=phone, template=template, params=params,
                            text=render(settings.SMS_TEMPLATES[template], params), key=key)

    def find_sent(self, *, phone: str, key: str, since: float) -> str | None:
        from .models import OutboxMessage

        row = OutboxMessage.objects.filter(channel="sms", key=key).first() if key else None
        return f"outbox:{row.pk}" if row else None


class TencentSms:
    """Tencent Cloud SMS (API 2021-01-11) through `tencentcloud-sdk-python-sms`."""

    name = "tencent"

    def __init__(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        conf = settings.TENCENT_SMS
        endpoint = conf.get("endpoint") or ""
        scheme = "https"
        if "://" in endpoint:
            scheme, endpoint = endpoint.split("://", 1)
        http = HttpProfile(protocol=scheme, endpoint=endpoint.rstrip("/") or None,
                           reqTimeout=conf.get("timeout", 10))
        cred = credential.Credential(conf["secret_id"], conf["secret_key"])
        self.client = sms_client.SmsClient(cred, conf.get("region") or "ap-guangzhou", ClientProfile(httpProfile=http))
        self.app_id = conf["app_id"]

    def send(self, *, phone: str, template: str, params: list[str], key: str = "") -> Sent:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        template_id = settings.SMS_TEMPLATES[template].get("id")
        if not template_id:
            raise ProviderError("TemplateNotConfigured", f"no Tencent template id for {template}", retryable=False)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = self.app_id
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = str(template_id)
        request.TemplateParamSet = [str(p) for p in params]
        request.SessionContext = key
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            code = exc.get_code() or "Unknown"
            network = code in {"ClientNetworkError", "ServerNetworkError"}
            raise classify(code, exc.get_message() or "", exc.get_request_id() or "", uncertain=network) from exc
        statuses = response.SendStatusSet or []
        status = statuses[0] if statuses else None
        if status is None:
            raise classify("EmptySendStatusSet", "", response.RequestId or "")
        if status.Code != "Ok":
            raise classify(status.Code or "Unknown", status.Message or "", response.RequestId or "")
        return Sent(ref=status.SerialNo or "", request_id=response.RequestId or "")

    def find_sent(self, *, phone: str, key: str, since: float) -> str | None:
        """The SerialNo of a message to `phone` since `since` (unix time) whose SessionContext is `key`,
        from Tencent's status reports; None when there is none (yet)."""
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.PullSmsSendStatusByPhoneNumberRequest()
        request.PhoneNumber = f"+86{phone}"
        request.SmsSdkAppId = self.app_id
        request.BeginTime = int(since) - 60
        request.EndTime = int(time.time()) + 60
        request.Offset = 0
        request.Limit = 100
        try:
            response = self.client.PullSmsSendStatusByPhoneNumber(request)
        except TencentCloudSDKException as exc:
            log.warning("SMS status pull failed: %s (request %s)", exc.get_code(), exc.get_request_id())
            return None
        for report in response.PullSmsSendStatusSet or []:
            if report.SessionContext == key:
                return report.SerialNo or "reported"
        return None


def provider():
    """The configured SMS provider: Tencent Cloud, or the outbox when none is configured."""
    if settings.SMS_PROVIDER == "tencent":
        return TencentSms()
    if not outbox_allowed():
        raise ImproperlyConfigured("No SMS provider is configured and the outbox is refused here.")
    return OutboxSms()
