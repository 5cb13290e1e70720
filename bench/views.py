from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines

from schools.models import Term

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><p>{{ request.user.username }} · {{ term.name }}</p>")


@login_required
def floor(request):
    """The floor: authenticated (session and user read by the middleware), one query, a tiny template."""
    term = Term.objects.only("name").order_by("pk").first()
    return HttpResponse(FLOOR_TEMPLATE.render({"term": term}, request))
