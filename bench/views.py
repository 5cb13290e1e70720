from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from schools.models import Term


@login_required
def floor(request):
    """The floor: authenticated (session and user read by the middleware), one query, a tiny template."""
    term = Term.objects.only("name").order_by("pk").first()
    return render(request, "bench/floor.html", {"term": term})
