"""A local Tencent Cloud SMS API (2021-01-11) for the tests: the real SDK talks to it over HTTP.

It speaks what the SDK sends and reads: a JSON POST signed with TC3-HMAC-SHA256 (the signature is
checked with the test's secret key, as Tencent does), the action in X-TC-Action, and the answers
`{"Response": {..., "RequestId"}}`, errors as `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
Actions: SendSms, PullSmsSendStatusByPhoneNumber. The test sets what the next requests meet with
`server.script` (a list of behaviours taken in order; "ok" when empty):

- "ok": accepted and sent;
- ("error", Code, Message): the whole request refused with this error;
- ("status", Code, Message): accepted, but this number's SendStatus says Code;
- ("slow", seconds, sent): answer after `seconds` (the client has timed out by then); `sent` whether
  Tencent took the message before that.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID = "AKIDfakeTencentSecretId0001"
SECRET_KEY = "fakeTencentSecretKey0000000000001"
APP_ID = "1400000001"
SIGN_NAME = "沙河课后服务"
#: template id -> number of parameters of the approved template; parameters are at most 12 characters.
TEMPLATES = {"1000001": 1, "1000002": 1, "2000001": 4, "2000002": 4, "2000003": 4, "2000004": 4, "2000005": 4,
             "2000009": 4}
PARAM_MAX = 12


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_valid(headers: dict, body: bytes, secret_key: str) -> bool:
    """Check an Authorization header the way Tencent Cloud does (TC3-HMAC-SHA256); `headers` keyed in
    lower case."""
    auth = headers.get("authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return False
    parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 "):].split(","))
    credential_scope = parts["Credential"].split("/", 1)[1]
    date, service, _tc3 = credential_scope.split("/", 2)
    signed = parts["SignedHeaders"]
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed.split(";"))
    canonical = "\n".join(["POST", "/", "", canonical_headers, signed, hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", headers.get("x-tc-timestamp", ""), credential_scope,
                         hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    key = _sign(_sign(_sign(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.compare_digest(hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest(), parts["Signature"])


class Server(ThreadingHTTPServer):
    request_queue_size = 64  # concurrent senders connect at once


class FakeTencentSms:
    def __init__(self):
        self.script: list = []
        self.requests: list[dict] = []  # every request: action, body, headers, signature_ok
        self.sent: list[dict] = []  # messages Tencent took: phone, template, params, session, serial, at
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.handle(self, body)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def sms_requests(self) -> list[dict]:
        return [r for r in self.requests if r["action"] == "SendSms"]

    # --- the API ------------------------------------------------------------------------------
    def handle(self, handler, body: bytes):
        request_id = str(uuid.uuid4())
        headers = {k.lower(): v for k, v in handler.headers.items()}
        action = headers.get("x-tc-action", "")
        params = json.loads(body or b"{}")
        signature_ok = tc3_valid(headers, body, SECRET_KEY)
        with self.lock:
            self.requests.append({"action": action, "params": params, "headers": headers,
                                  "signature_ok": signature_ok})
            step = self.script.pop(0) if (self.script and action == "SendSms") else "ok"
        if not signature_ok:
            return self.answer(handler, {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                   "Message": "The provided credentials could not be validated."}},
                               request_id)
        if action == "PullSmsSendStatusByPhoneNumber":
            return self.answer(handler, {"PullSmsSendStatusSet": [
                {"UserReceiveTime": time.strftime("%Y-%m-%d %H:%M:%S"), "CountryCode": "86",
                 "SubscriberNumber": m["phone"][3:], "PhoneNumber": m["phone"], "SerialNo": m["serial"],
                 "ReportStatus": "SUCCESS", "Description": "DELIVRD", "SessionContext": m["session"]}
                for m in self.sent if m["phone"] == params.get("PhoneNumber")]}, request_id)
        if action != "SendSms":
            return self.answer(handler, {"Error": {"Code": "InvalidAction", "Message": action}}, request_id)
        if isinstance(step, tuple) and step[0] == "error":
            return self.answer(handler, {"Error": {"Code": step[1], "Message": step[2]}}, request_id)
        error = self.check(params)
        if error:
            return self.answer(handler, {"Error": {"Code": error[0], "Message": error[1]}}, request_id)
        if isinstance(step, tuple) and step[0] == "slow":
            if step[2]:
                self.take(params)
            time.sleep(step[1])
            return self.answer(handler, {"SendStatusSet": []}, request_id)
        statuses = []
        for phone in params["PhoneNumberSet"]:
            if isinstance(step, tuple) and step[0] == "status":
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": params.get(
                    "SessionContext", ""), "Code": step[1], "Message": step[2], "IsoCode": "CN"})
            else:
                serial = self.take(params, phone)
                statuses.append({"SerialNo": serial, "PhoneNumber": phone, "Fee": 1,
                                 "SessionContext": params.get("SessionContext", ""), "Code": "Ok",
                                 "Message": "send success", "IsoCode": "CN"})
        return self.answer(handler, {"SendStatusSet": statuses}, request_id)

    def check(self, params) -> tuple[str, str] | None:
        if params.get("SmsSdkAppId") != APP_ID:
            return "InvalidParameterValue.SdkAppIdNotExist", "SdkAppId not exist."
        if params.get("SignName") != SIGN_NAME:
            return "FailedOperation.SignatureIncorrectOrUnapproved", "signature format is incorrect or not approved"
        template = params.get("TemplateId")
        if template not in TEMPLATES:
            return "FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or not exist"
        values = params.get("TemplateParamSet") or []
        if len(values) != TEMPLATES[template]:
            return ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                    "request content does not match template content")
        if any(len(v) > PARAM_MAX for v in values):
            return "InvalidParameterValue.TemplateParameterLengthLimit", "single variable length exceeds the limit"
        for phone in params.get("PhoneNumberSet") or []:
            if not (phone.startswith("+861") and len(phone) == 14):
                return "InvalidParameterValue.IncorrectPhoneNumber", "invalid mobile number"
        return None

    def take(self, params, phone: str | None = None) -> str:
        serial = f"2645:{uuid.uuid4().int % 10**20}"
        for number in [phone] if phone else params["PhoneNumberSet"]:
            self.sent.append({"phone": number, "template": params["TemplateId"],
                              "params": params.get("TemplateParamSet"), "session": params.get("SessionContext", ""),
                              "serial": serial, "at": time.time()})
        return serial

    def answer(self, handler, response: dict, request_id: str):
        data = json.dumps({"Response": {**response, "RequestId": request_id}}).encode("utf-8")
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass
