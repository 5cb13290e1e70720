"""A request whose declared body is larger than MAX_REQUEST_BODY_SIZE is refused with 413 before
any view or parser reads it (Django's own DATA_UPLOAD_MAX_MEMORY_SIZE answers 400 for oversized
form data; file uploads are not counted there, so this is the cap for them)."""
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "MAX_REQUEST_BODY_SIZE", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse(_("Invalid Content-Length."), status=400, content_type="text/plain; charset=utf-8")
        if limit and length > limit:
            message = _("The request is too large (at most %(mb)d MB).") % {"mb": limit // (1024 * 1024)}
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
