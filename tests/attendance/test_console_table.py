"""The duty console's sessions table (attendance/templatetags/console_table.py): one row a roll with
its times, venue, teacher and seven counts, the rolls not yet taken marked, names escaped, in the
reader's language; the same markup the template wrote before it."""
import datetime
import re

from django.template import engines
from django.utils import translation

from attendance.models import Roll
from attendance.selectors import RollState
from schools.models import Venue

# The rows as the template wrote them (attendance/_console_live.html before the tag).
TEMPLATE = engines["django"].from_string("""{% load i18n %}{% for rs in rolls %}
  <tr{% if rs.not_taken %} class="table-warning"{% endif %}>
    <td>{{ rs.roll.name }} {% if rs.roll.starts_at %}<span class="text-muted small">{{ rs.roll.starts_at|time:"H:i" }}–{{ rs.roll.ends_at|time:"H:i" }}</span>{% endif %}{% if rs.not_taken %} <span class="badge text-bg-warning">{% translate "not taken" %}</span>{% endif %}</td>
    <td>{{ rs.roll.venue.name|default:"" }}</td><td>{{ rs.roll.teacher.name|default:"" }}</td>
    <td>{{ rs.expected }}</td><td>{{ rs.present }}</td><td>{{ rs.absent }}</td><td>{{ rs.leave }}</td><td>{{ rs.released }}</td><td>{{ rs.held }}</td><td>{{ rs.unmarked }}</td>
  </tr>
  {% empty %}
  <tr><td colspan="10" class="text-muted">{% translate "No rolls on this day." %}</td></tr>
  {% endfor %}""")
TAG = engines["django"].from_string("{% load console_table %}{% console_rolls rolls %}")


def _norm(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _rolls():
    from accounts.models import User

    venue = Venue(pk=7, name="操场 <东>")
    teacher = User(pk=9, username="t9", name="李老师")
    taken = Roll(pk=1, name="三年级托管 & 作业", date=datetime.date(2026, 12, 7), venue=venue, teacher=teacher,
                 starts_at=datetime.time(16, 0), ends_at=datetime.time(17, 30))
    not_taken = Roll(pk=2, name="<script>x</script>", date=datetime.date(2026, 12, 7),
                     starts_at=datetime.time(16, 40), ends_at=None)
    untimed = Roll(pk=3, name="周末活动", date=datetime.date(2026, 12, 7), teacher=User(pk=10, username="t10"))
    return [RollState(taken, expected=30, present=25, absent=2, leave=1, unmarked=2, released=10, held=15),
            RollState(not_taken, expected=12, unmarked=12), RollState(untimed)]


def test_the_rows_are_the_templates_in_either_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for rolls in (_rolls(), []):
                assert _norm(TAG.render({"rolls": rolls})) == _norm(TEMPLATE.render({"rolls": rolls}))


def test_names_are_escaped_and_a_roll_not_taken_is_marked():
    with translation.override("zh-hans"):
        html = TAG.render({"rolls": _rolls()})
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "操场 &lt;东&gt;" in html and "三年级托管 &amp; 作业" in html
    assert html.count('class="table-warning"') == 1 and html.count("未点名") == 1
    first = html[:html.index("</tr>")]
    assert "16:00–17:30" in first and re.findall(r"<td>(\d+)</td>", first) == ["30", "25", "2", "1", "10", "15", "2"]
