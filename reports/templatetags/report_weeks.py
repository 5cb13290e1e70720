"""{{ report.week|week_label }}: "第48周 · 11月23日—29日" instead of "2026-W48" on a person's page."""
from django import template

from reports.weeks import week_label as _week_label

register = template.Library()


@register.filter
def week_label(value) -> str:
    return _week_label(value)
