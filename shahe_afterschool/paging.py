"""A page of a queryset whose total is counted in the page's own query.

Django's `Paginator.get_page` counts the rows (`SELECT COUNT(*)`) and then reads the page: two
queries, each planned and compiled. `page_of` reads the page with the total as a window aggregate
(`COUNT(*) OVER ()`, which counts every row the query matches before LIMIT) and gives the paginator
that total, so a list page costs one query. A number past the last page, or an empty list, falls back
to `get_page` (which counts, then serves the last page), as does anything that is not a number.
"""
from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

TOTAL = "_page_total"


def page_of(queryset: QuerySet, per_page: int, number) -> Page:
    """`Paginator(queryset, per_page).get_page(number)`, in one query when the page has rows."""
    paginator = Paginator(queryset, per_page)
    try:
        wanted = int(number) if number not in (None, "") else 1
    except (TypeError, ValueError):
        wanted = 1
    if wanted < 1:
        return paginator.get_page(number)
    start = (wanted - 1) * per_page
    rows = list(queryset.annotate(**{TOTAL: Window(Count("*"))})[start:start + per_page])
    if not rows:
        return paginator.get_page(number)
    paginator.__dict__["count"] = getattr(rows[0], TOTAL)  # Paginator.count is a cached_property
    return Page(rows, wanted, paginator)
