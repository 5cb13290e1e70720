"""A local WeChat official-account API for the tests: wechatpy talks to it over HTTP.

Endpoints (as WeChat's): GET /cgi-bin/token (client_credential), POST /cgi-bin/message/template/send
(with ?access_token=, one message per openid and client_msg_id), GET /sns/oauth2/access_token (the OAuth
code for the openid) and GET /connect/oauth2/authorize (the page WeChat shows: it answers with a redirect
to the callback, as a user's "allow" would). Errors as WeChat answers them: {"errcode", "errmsg"}.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

APP_ID = "wx0123456789abcdef"
SECRET = "fake-wechat-app-secret-0001"
TEMPLATES = {"TPL-NOTICE", "TPL-URGENT"}
SUBSCRIBED = {"o-parent-a", "o-parent-b", "o-staff"}


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # concurrent senders connect at once


class FakeWechat:
    def __init__(self):
        self.tokens: set[str] = set()
        self.token_fetches = 0
        self.token_delay = 0.0
        self.sent: dict[tuple[str, str], dict] = {}  # (openid, client_msg_id) -> message
        self.messages: list[dict] = []
        self.send_calls = 0
        self.slow_next_send = 0.0
        self.codes: dict[str, str] = {}  # OAuth code -> openid
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self, "GET", b"")

            def do_POST(self):
                fake.handle(self, "POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def expire_tokens(self):
        with self.lock:
            self.tokens.clear()

    def issue_code(self, openid: str) -> str:
        code = uuid.uuid4().hex
        self.codes[code] = openid
        return code

    # --- the API ------------------------------------------------------------------------------
    def handle(self, handler, method: str, body: bytes):
        url = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/cgi-bin/token":
            return self.token(handler, query)
        if url.path == "/cgi-bin/message/template/send" and method == "POST":
            return self.template_send(handler, query, json.loads(body or b"{}"))
        if url.path == "/sns/oauth2/access_token":
            openid = self.codes.pop(query.get("code", ""), None)
            if query.get("appid") != APP_ID or query.get("secret") != SECRET:
                return self.answer(handler, {"errcode": 40125, "errmsg": "invalid appsecret"})
            if openid is None:
                return self.answer(handler, {"errcode": 40029, "errmsg": "invalid code"})
            return self.answer(handler, {"access_token": uuid.uuid4().hex, "expires_in": 7200,
                                         "refresh_token": uuid.uuid4().hex, "openid": openid,
                                         "scope": "snsapi_base"})
        if url.path == "/connect/oauth2/authorize":
            code = self.issue_code(query.get("openid_hint", "o-parent-a"))
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
            handler.send_response(302)
            handler.send_header("Location", target)
            handler.end_headers()
            return None
        return self.answer(handler, {"errcode": 404, "errmsg": "not found"})

    def token(self, handler, query):
        if query.get("appid") != APP_ID or query.get("secret") != SECRET:
            return self.answer(handler, {"errcode": 40125, "errmsg": "invalid appsecret"})
        time.sleep(self.token_delay)
        token = uuid.uuid4().hex
        with self.lock:
            self.token_fetches += 1
            self.tokens = {token}  # a new token ends the old one, as WeChat's does
        return self.answer(handler, {"access_token": token, "expires_in": 7200})

    def template_send(self, handler, query, data):
        with self.lock:
            self.send_calls += 1
            valid = query.get("access_token") in self.tokens
            slow, self.slow_next_send = self.slow_next_send, 0.0
        if not valid:
            return self.answer(handler, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid "
                                                                     "or not latest"})
        if data.get("template_id") not in TEMPLATES:
            return self.answer(handler, {"errcode": 40037, "errmsg": "invalid template_id"})
        if data.get("touser") not in SUBSCRIBED:
            return self.answer(handler, {"errcode": 43004, "errmsg": "require subscribe"})
        fields = data.get("data") or {}
        for name, value in fields.items():  # keywords ("thing" values) hold 20 characters, the rest 200
            if len(str(value.get("value", ""))) > (20 if name.startswith("keyword") else 200):
                return self.answer(handler, {"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value "
                                                                         "exceeds limit"})
        key = (data["touser"], data.get("client_msg_id") or uuid.uuid4().hex)
        with self.lock:
            message = self.sent.get(key)
            if message is None:
                message = {**data, "msgid": len(self.sent) + 200228332}
                self.sent[key] = message
                self.messages.append(message)
        time.sleep(slow)
        return self.answer(handler, {"errcode": 0, "errmsg": "ok", "msgid": message["msgid"]})

    def answer(self, handler, payload: dict):
        data = json.dumps(payload).encode("utf-8")
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json; encoding=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
