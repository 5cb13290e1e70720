"""API-wide pieces: the exception handler that gives every error the same shape, the JSON parser
that refuses hostile nesting, and the id field every request body uses for object ids."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError
from .ids import MAX_ID

#: No request body of the API nests deeper than a few levels; 32 leaves room and stops abuse.
MAX_JSON_DEPTH = 32


def exception_handler(exc, context):
    """Map domain errors and Django validation errors onto DRF's error format.

    `{"field": ["message"]}` for field errors, `{"detail": "message"}` otherwise; 404 says only
    "not found" so it never confirms that an object outside the caller's scope exists.
    """
    if isinstance(exc, DomainError):
        body = {exc.field: [str(exc.message)]} if exc.field else {"detail": str(exc.message)}
        body.update(exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            body = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        else:
            body = {"detail": " ".join(str(m) for m in exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


def _nesting_exceeds(data, limit: int) -> bool:
    """Whether lists/objects nest deeper than `limit` (iterative: a hostile body cannot recurse)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with too-deep nesting answered 400 like any other malformed body (the
    standard library's decoder recurses: 5,000 nested `[` raised RecursionError, a server error)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _nesting_exceeds(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("The JSON body is nested too deeply (at most %(n)d levels).") % {"n": MAX_JSON_DEPTH})
        return data


class IdField(serializers.IntegerField):
    """An object id in a request body: a whole number the database can hold (ASCII digits when sent
    as text). Out of range is "no such id" (400), never an overflow in the database (500)."""

    default_error_messages = {
        "invalid": gettext_lazy("An id is a whole number."),
        "min_value": gettext_lazy("There is no object with this id."),
        "max_value": gettext_lazy("There is no object with this id."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.strip().isascii():
            self.fail("invalid")
        return super().to_internal_value(data)


class IdListField(serializers.ListField):
    """A list of object ids (`[12, 34]`), each an `IdField`."""

    child = IdField()
