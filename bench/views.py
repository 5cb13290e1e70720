import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.template import engines
from django.views.decorators.http import require_POST

from schools.models import Term

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><p>{{ request.user.username }} · {{ term.name }}</p>")


@login_required
def floor(request):
    """The floor: authenticated (session and user read by the middleware), one query, a tiny template."""
    term = Term.objects.only("name").order_by("pk").first()
    return HttpResponse(FLOOR_TEMPLATE.render({"term": term}, request))


@login_required
@require_POST
def floor_write(request):
    """The floor of a write (the 16:00 peak): signed in, CSRF checked, the JSON body parsed, one
    single-row INSERT in a transaction (into a table bench.peak creates)."""
    from bench.common import floor_table_insert
    from bench.peak import FLOOR_TABLE

    body = json.loads(request.body or b"[]")
    floor_table_insert(FLOOR_TABLE, len(body) if isinstance(body, list) else 1)
    return JsonResponse({"ok": True})
