"""`Idempotency-Key` for API writes a client may retry (applications here; roll marks and custody
events in attendance can use the same function).

    def create(self, request):
        return idempotent(request, scope="applications.create", handler=lambda: self._create(request))

The same user, scope and key with the same body answers the first response again and writes
nothing; the same key with a different body is a 409. Errors (4xx from a `DomainError`) are not
remembered: the record is written in the same transaction as the work, so a refused request
leaves no record and a corrected retry may reuse the key. Two requests with the same key at the
same moment queue on the unique index; the second then replays the first one's answer.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.response import Response

from shahe_afterschool.errors import ConflictError, DomainError

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_hash(data) -> str:
    """A stable digest of a JSON body: key order and whitespace do not matter."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        raise ConflictError(_("This Idempotency-Key was already used with a different request."))
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, *, scope: str, handler: Callable[[], Response]) -> Response:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return handler()
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(_("The Idempotency-Key is too long (at most 255 characters)."))
    digest = request_hash(request.data)
    lookup = {"user": request.user, "scope": scope, "key": key}
    existing = IdempotencyRecord.objects.filter(**lookup).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(request_hash=digest, **lookup)
            response = handler()
            if response.status_code >= 400:
                # Not remembered: undo the record (and anything the handler wrote).
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
            record.save(update_fields=["response_status", "response_body"])
            return response
    except IntegrityError:
        # A concurrent request with the same key won the insert; answer what it answered.
        existing = IdempotencyRecord.objects.filter(**lookup).first()
        if existing is None:
            raise
        return _replay(existing, digest)
