"""`{% today_cards children %}`: a today card per child at the top of the parent's home page (issue 19).

`children` are the guardian's children (Students, or the home page's rows with a "child"); every
card is read through the cache in a fixed number of queries whatever the number of children.
"""
from django import template
from django.utils import timezone

from ..today import POLL_SECONDS, children_today_cached, today_card
from ..today_views import leave_days

register = template.Library()


@register.inclusion_tag("attendance/_today_cards.html", takes_context=True)
def today_cards(context, children):
    students = [c["child"] if isinstance(c, dict) else c for c in children]
    date = timezone.localdate()
    days = children_today_cached(students, date)
    return {"cards": [today_card(s, days[s.pk]) for s in students], "date": date, "leave_days": leave_days(date),
            "poll_seconds": POLL_SECONDS, "csrf_token": context.get("csrf_token"), "request": context.get("request")}
