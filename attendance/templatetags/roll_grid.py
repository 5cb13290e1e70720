"""The roll page's grid of children (attendance/roll.html), one `<li>` a child, written here rather
than in the template: a roll holds up to 60 children and the template's per-child markup (about thirty
nodes each) was half of the page's time at 16:00 (docs/performance.md). The markup is the template's,
unchanged: roll.js and the browser tests read its data attributes."""
from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def roll_grid(entries, is_teacher: bool) -> str:
    t_late, t_leave = gettext("Late"), gettext("On leave")
    t_not_marked, t_leave_reported, t_health = gettext("Not marked"), gettext("Leave reported"), gettext("Health note")
    quick = ('<div class="d-flex gap-1 mt-1">'
             '<button type="button" class="btn btn-outline-secondary flex-fill roll-quick" data-student="{0}" '
             'data-set="late" aria-label="{1} · {3}">{1}</button>'
             '<button type="button" class="btn btn-outline-secondary flex-fill roll-quick" data-student="{0}" '
             'data-set="leave" aria-label="{2} · {3}">{2}</button></div>')
    items = []
    for e in entries:
        s = e.student
        leave = ""
        if e.leave:
            leave = format_html('<span class="badge text-bg-info">{}{}</span>', t_leave_reported,
                                f": {e.leave.reason}" if e.leave.reason else "")
        marker = details = ""
        if e.health_note:
            marker = format_html('<span class="d-block small mt-1" data-health-marker><span aria-hidden="true">'
                                 '✚</span> {}</span>', t_health)
            details = format_html(
                '<details class="roll-health small mt-1" data-testid="health-note"><summary>{}</summary>'
                '<p class="mb-0">{}</p></details>',
                gettext("Health note of %(name)s") % {"name": s.name}, linebreaksbr(e.health_note, autoescape=True))
        items.append(format_html(
            '<li class="col d-flex flex-column">'
            '<button type="button" class="btn btn-outline-secondary w-100 flex-grow-1 roll-child py-3" '
            'data-student="{}" data-status="{}"{}{} aria-label="{}">'
            '<span class="d-block display-6 fw-bold" aria-hidden="true">{}</span>'
            '<span class="d-block">{}</span><span class="d-block small text-muted">{}</span>{}'
            '<span class="d-block fw-semibold mt-1" data-status-label>{}</span>{}</button>{}{}</li>',
            s.pk, e.status, mark_safe(' data-leave="1"') if e.leave else "",
            "" if is_teacher else mark_safe(" disabled"), s.name, s.initials, s.name,
            s.homeroom_class.name if s.homeroom_class_id else "", leave,
            e.mark.get_status_display() if e.mark else t_not_marked, marker,
            format_html(quick, s.pk, t_late, t_leave, s.name) if is_teacher else "", details))
    if not items:
        return format_html('<li class="col-12 text-muted">{}</li>', gettext("No children on this roll."))
    return format_html_join("", "{}", ((item,) for item in items))
