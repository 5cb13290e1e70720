"""The rows of the duty console's sessions table (`attendance/_console_live.html`), one `<tr>` a
roll, written here rather than in the template: the table is most of what the console's 30-second
refresh renders, and under the 16:00 peak nearly every refresh renders it anew (a school's 18 rolls:
about 2 ms in the template, docs/performance.md). The markup is the template's, unchanged.

Every value from the database or the translations is escaped (`roll_grid`'s `_esc`);
the counts are integers, written as the template wrote them (no thousands separator is configured:
`USE_THOUSAND_SEPARATOR`)."""
from django import template
from django.conf import settings
from django.utils import formats
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .roll_grid import _esc

register = template.Library()

COUNTS = ("expected", "present", "absent", "leave", "released", "held", "unmarked")


@register.simple_tag
def console_rolls(roll_states) -> str:
    number = formats.localize if settings.USE_THOUSAND_SEPARATOR else str
    t_not_taken = _esc(gettext("not taken"))
    rows = []
    for rs in roll_states:
        roll = rs.roll
        not_taken = rs.not_taken
        times = (f' <span class="text-muted small">{roll.starts_at.strftime("%H:%M")}–'
                 f'{roll.ends_at.strftime("%H:%M") if roll.ends_at else ""}</span>') if roll.starts_at else " "
        badge = f' <span class="badge text-bg-warning">{t_not_taken}</span>' if not_taken else ""
        venue = _esc(roll.venue.name) if roll.venue_id else ""
        teacher = _esc(roll.teacher.name) if roll.teacher_id else ""
        counts = "".join(f"<td>{number(getattr(rs, c))}</td>" for c in COUNTS)
        warning = ' class="table-warning"' if not_taken else ""
        rows.append(f'<tr{warning}>'
                    f'<td>{_esc(roll.name)}{times}{badge}</td><td>{venue}</td><td>{teacher}</td>{counts}</tr>')
    if not rows:
        return mark_safe(f'<tr><td colspan="10" class="text-muted">{_esc(gettext("No rolls on this day."))}</td></tr>')  # noqa: S308
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
