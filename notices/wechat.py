"""WeChat (微信): template messages of the city's official account through `wechatpy`, or the outbox.

- The API's base is configurable (`WECHAT["api_base"]`, `WECHAT["oauth_base"]`): the tests run wechatpy
  against a local server that speaks the official account's API (tests/notices/fake_wechat.py).
- The access token lives in the Django cache (Redis in production), shared by every worker. When it
  expires (or WeChat answers 40001/40014/42001), one worker fetches a new one under a cache lock; the
  others wait for it and use it: the token is fetched once for all of them.
- Template messages carry our idempotency key as WeChat's `client_msg_id`: WeChat sends one message
  per openid and key, so a retry after a timeout does not send twice.
"""
from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .providers import ProviderError, Sent, outbox_allowed, outbox_write

log = logging.getLogger(__name__)

#: The token WeChat no longer accepts: invalid credential, invalid token, expired token.
TOKEN_ERRORS = {40001, 40014, 42001}
#: Answers after which a later try can succeed: system busy, API rate limit.
RETRYABLE_ERRORS = {-1, 45009, 45011, 45047} | TOKEN_ERRORS
TOKEN_LOCK_SECONDS = 10


def template_for(kind: str) -> tuple[str, str]:
    templates = settings.WECHAT_TEMPLATES
    name = kind if kind in templates else "notice"
    return name, templates.get(name, "")


def template_data(*, title: str, body: str, values: dict) -> dict:
    """The fields of the notice template (标题, 学生, 时间, 学校, 备注)."""
    return {
        "first": {"value": str(title)[:100]},
        "keyword1": {"value": values.get("child", "")},
        "keyword2": {"value": values.get("time", "")},
        "keyword3": {"value": values.get("school", "")},
        "remark": {"value": str(body)[:200]},
    }


class OutboxWechat:
    name = "outbox"

    def send_notice(self, *, openid: str, kind: str, title: str, body: str, values: dict, key: str = "") -> Sent:
        template, _id = template_for(kind)
        text = f"{title}\n{values.get('child', '')} · {values.get('time', '')} · {values.get('school', '')}\n{body}"
        return outbox_write(channel="wechat", to=openid, template=template,
                            params=[values.get("child", ""), values.get("time", ""), values.get("school", ""),
                                    values.get("link", "")], text=text.strip(), key=key)

    def openid_for_code(self, code: str) -> str:
        raise ProviderError("NotConfigured", "WeChat is not configured", retryable=False)


class CacheTokenStorage:
    """wechatpy's session storage on the Django cache, so that every process shares the token."""

    def __init__(self, prefix: str = "wechat"):
        self.prefix = prefix

    def get(self, key, default=None):
        return cache.get(f"{self.prefix}:{key}", default)

    def set(self, key, value, ttl=None):
        # WeChat's token lives 7200 s; keep it 5 minutes less, so none is used at its very end.
        cache.set(f"{self.prefix}:{key}", value, timeout=max(60, int(ttl or 7200) - 300))

    def delete(self, key):
        cache.delete(f"{self.prefix}:{key}")


def _client_class():
    from wechatpy.client import WeChatClient

    class Client(WeChatClient):
        """wechatpy's client, at the configured API base, with the token refreshed once for everyone."""

        def __init__(self, conf):
            base = (conf.get("api_base") or "https://api.weixin.qq.com/").rstrip("/") + "/"
            self.API_BASE_URL = f"{base}cgi-bin/"
            self.token_url = f"{base}cgi-bin/token"
            super().__init__(conf["app_id"], conf["secret"], session=CacheTokenStorage(),
                             timeout=conf.get("timeout", 10), auto_retry=False)

        def fetch_access_token(self):
            return self._fetch_access_token(url=self.token_url, params={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})

        @property
        def access_token(self):
            token = self.session.get(self.access_token_key)
            return token or self.refresh_token(stale=None)

        def refresh_token(self, *, stale: str | None) -> str:
            """A new token, fetched once for every worker: the one that takes the lock fetches it (unless
            another worker replaced `stale` meanwhile); the others wait for the new one."""
            lock = f"wechat:{self.appid}:token-lock"
            deadline = time.monotonic() + TOKEN_LOCK_SECONDS
            while True:
                current = self.session.get(self.access_token_key)
                if current and current != stale:
                    return current
                if cache.add(lock, 1, timeout=TOKEN_LOCK_SECONDS):
                    try:
                        current = self.session.get(self.access_token_key)
                        if current and current != stale:
                            return current
                        self.fetch_access_token()
                        return self.session.get(self.access_token_key)
                    finally:
                        cache.delete(lock)
                if time.monotonic() > deadline:
                    raise ProviderError("TokenLockTimeout", "no access token after waiting", retryable=True)
                time.sleep(0.05)

    return Client


class WechatOfficialAccount:
    name = "wechatpy"

    def __init__(self):
        self.conf = settings.WECHAT
        self.client = _client_class()(self.conf)

    def _post(self, endpoint: str, data: dict) -> dict:
        from requests import RequestException
        from wechatpy.exceptions import WeChatClientException

        for attempt in range(2):
            token = self.client.access_token
            try:
                return self.client.post(endpoint, data=data, params={"access_token": token})
            except WeChatClientException as exc:
                code = int(exc.errcode) if exc.errcode is not None else None
                if code in TOKEN_ERRORS and attempt == 0:
                    self.client.refresh_token(stale=token)
                    continue
                if code is None:  # an HTTP error: no answer we can read
                    raise ProviderError("HTTPError", str(exc)[:200], retryable=True, uncertain=True) from exc
                retryable = code in RETRYABLE_ERRORS or code not in KNOWN_FINAL_ERRORS
                if code not in KNOWN_FINAL_ERRORS and code not in RETRYABLE_ERRORS:
                    log.warning("unknown WeChat answer %s: %s", code, exc.errmsg)
                raise ProviderError(str(code), str(exc.errmsg or "")[:200], retryable=retryable) from exc
            except RequestException as exc:
                raise ProviderError(type(exc).__name__, str(exc)[:200], retryable=True, uncertain=True) from exc
        raise ProviderError("40001", "the access token was refused twice", retryable=True)

    def send_notice(self, *, openid: str, kind: str, title: str, body: str, values: dict, key: str = "") -> Sent:
        _name, template_id = template_for(kind)
        if not template_id:
            raise ProviderError("TemplateNotConfigured", f"no WeChat template for {kind}", retryable=False)
        data = {"touser": openid, "template_id": template_id, "url": values.get("link", ""),
                "data": template_data(title=title, body=body, values=values)}
        if key:
            data["client_msg_id"] = key[:64]
        result = self._post("message/template/send", data)
        return Sent(ref=str(result.get("msgid", "")))

    def oauth(self, redirect_uri: str = "", state: str = ""):
        from wechatpy.oauth import WeChatOAuth

        oauth = WeChatOAuth(self.conf["app_id"], self.conf["secret"], redirect_uri, scope="snsapi_base", state=state)
        if self.conf.get("api_base"):
            oauth.API_BASE_URL = self.conf["api_base"].rstrip("/") + "/"
        if self.conf.get("oauth_base"):
            oauth.OAUTH_BASE_URL = self.conf["oauth_base"].rstrip("/") + "/"
        return oauth

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        return self.oauth(redirect_uri, state).authorize_url

    def openid_for_code(self, code: str) -> str:
        from requests import RequestException
        from wechatpy.exceptions import WeChatOAuthException

        try:
            result = self.oauth().fetch_access_token(code)
        except WeChatOAuthException as exc:
            raise ProviderError(str(exc.errcode), str(exc.errmsg or "")[:200], retryable=False) from exc
        except RequestException as exc:
            raise ProviderError(type(exc).__name__, str(exc)[:200], retryable=True) from exc
        return result.get("openid", "")


#: WeChat answers that no later try changes: bad openid, template, parameters, user unsubscribed.
KNOWN_FINAL_ERRORS = {40003, 40037, 41028, 41029, 43004, 43101, 47003, 40013, 40125, 40164}


def configured() -> bool:
    return settings.WECHAT_PROVIDER == "wechatpy"


def provider():
    """The configured WeChat provider: the official account through wechatpy, or the outbox."""
    if configured():
        return WechatOfficialAccount()
    if not outbox_allowed():
        raise ImproperlyConfigured("No WeChat provider is configured and the outbox is refused here.")
    return OutboxWechat()
