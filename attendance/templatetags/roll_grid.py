"""The roll page's grid of children (attendance/roll.html), one `<li>` a child, written here rather
than in the template: a roll holds up to 60 children and the template's per-child markup (about thirty
nodes each) was half of the page's time at 16:00 (docs/performance.md). The markup is the template's,
unchanged: roll.js and the browser tests read its data attributes.

Every value from the database or the translations goes through `html.escape` (what Django's `escape`
does, without its lazy-string wrapper and `SafeString` per call: `format_html` with a dozen arguments
a child was 11 ms of a 21 ms page for 60 children); the labels shared by every child are escaped once."""
from html import escape

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


def _esc(value) -> str:
    """The value's text, escaped for HTML (none of the values below is already HTML)."""
    return escape(str(value))


@register.simple_tag
def roll_grid(entries, is_teacher: bool) -> str:
    t_late, t_leave = _esc(gettext("Late")), _esc(gettext("On leave"))
    t_not_marked, t_leave_reported = _esc(gettext("Not marked")), _esc(gettext("Leave reported"))
    t_health = _esc(gettext("Health note"))
    disabled = "" if is_teacher else " disabled"
    items = []
    for e in entries:
        s = e.student
        pk, name = _esc(s.pk), _esc(s.name)
        leave = ""
        if e.leave:
            reason = f": {e.leave.reason}" if e.leave.reason else ""
            leave = f'<span class="badge text-bg-info">{t_leave_reported}{_esc(reason)}</span>'
        marker = details = ""
        if e.health_note:
            marker = (f'<span class="d-block small mt-1" data-health-marker><span aria-hidden="true">'
                      f'✚</span> {t_health}</span>')
            details = ('<details class="roll-health small mt-1" data-testid="health-note"><summary>'
                       f'{_esc(gettext("Health note of %(name)s") % {"name": s.name})}</summary>'
                       f'<p class="mb-0">{linebreaksbr(e.health_note, autoescape=True)}</p></details>')
        quick = ""
        if is_teacher:
            quick = ('<div class="d-flex gap-1 mt-1">'
                     f'<button type="button" class="btn btn-outline-secondary flex-fill roll-quick" data-student="{pk}" '
                     f'data-set="late" aria-label="{t_late} · {name}">{t_late}</button>'
                     f'<button type="button" class="btn btn-outline-secondary flex-fill roll-quick" data-student="{pk}" '
                     f'data-set="leave" aria-label="{t_leave} · {name}">{t_leave}</button></div>')
        label = _esc(e.mark.get_status_display()) if e.mark else t_not_marked
        leave_attr = ' data-leave="1"' if e.leave else ""
        homeroom = _esc(s.homeroom_class.name) if s.homeroom_class_id else ""
        items.append(
            '<li class="col d-flex flex-column">'
            '<button type="button" class="btn btn-outline-secondary w-100 flex-grow-1 roll-child py-3" '
            f'data-student="{pk}" data-status="{_esc(e.status)}"{leave_attr}'
            f'{disabled} aria-label="{name}">'
            f'<span class="d-block display-6 fw-bold" aria-hidden="true">{_esc(s.initials)}</span>'
            f'<span class="d-block">{name}</span><span class="d-block small text-muted">{homeroom}</span>{leave}'
            f'<span class="d-block fw-semibold mt-1" data-status-label>{label}</span>{marker}</button>'
            f'{quick}{details}</li>')
    if not items:
        return mark_safe(f'<li class="col-12 text-muted">{_esc(gettext("No children on this roll."))}</li>')  # noqa: S308
    return mark_safe("".join(items))  # noqa: S308 (every value above is escaped)
