"""Terminology: no rendered page shows a word docs/glossary.md marks as wrong.

The glossary's table has a "wrong (never on our pages)" column. Its cells list words separated by
commas, each optionally followed by a qualifier: a parenthetical that explains the word
("午托 (a private-business word)"), a restriction that makes it wrong only in some sense
("姓名 (a person's name only)", "事故 (only for accidents)", "退出 alone (reads as sign out)",
"2026-W48 on a person's page") or an acceptable/unacceptable pair ("值班领导 is acceptable, 值日生 is
not"). `wrong_words` turns the column into:

- words wrong everywhere (searched as substrings of every page's visible text),
- words wrong when they stand alone (`alone`: a whole text node, e.g. a button "退出"),
- patterns ("2026-W48" -> an ISO week code on a person's page),
- and leaves out words that are right in another sense (`only ...`), words said to be acceptable or
  understood, and entries that are not words ("bare numbers").

The pages: every GET web endpoint of the access matrix (tests/security/matrix.py), requested by each
role the matrix expects a 200 for, in Chinese.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import add_offices
from tests.factories import IN_TERM
from tests.security.matrix import ENDPOINTS, ROLES
from tests.security.objects import sensitive

GLOSSARY = Path(__file__).resolve().parent.parent / "docs" / "glossary.md"
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Wrong:
    word: str  # a literal word, or a regex when `pattern`
    english: str
    how: str = "anywhere"  # "anywhere" | "alone" | "pattern"

    def found_in(self, text: str, nodes: list[str]) -> bool:
        for compound in RIGHT_COMPOUNDS.get(self.word, ()):
            text, nodes = text.replace(compound, ""), [n.replace(compound, "") for n in nodes]
        if self.how == "alone":
            return self.word in nodes
        if self.how == "pattern":
            return re.search(self.word, text) is not None
        return self.word in text


def _table_rows(markdown: str):
    """The cells of the glossary table's body rows (header and separator skipped)."""
    header = None
    for line in markdown.splitlines():
        line = line.strip()
        if not (line.startswith("|") and line.endswith("|")):
            continue
        cells = [c.strip() for c in line[1:-1].split("|")]
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        yield dict(zip(header, cells, strict=False))


def _parse_wrong_cell(cell: str, english: str) -> list[Wrong]:
    found = []
    # "A is acceptable, B is not" / "A is understood but B is the school word": only the "is not" part is wrong
    for part in re.split(r"[,，;；]", cell):
        part = part.strip()
        if not part:
            continue
        if re.search(r"\bis (acceptable|understood)\b", part):
            continue
        match = re.match(r"^(\S+)\s*(.*)$", part)
        word, qualifier = match.group(1), match.group(2).strip()
        qualifier = re.sub(r"^is not\b", "", qualifier).strip()
        iso_week = re.fullmatch(r"\d{4}-W\d{2}", word)
        if iso_week:
            found.append(Wrong(r"\b\d{4}-W\d{2}\b", english, "pattern"))
            continue
        if not CJK.search(word):
            continue  # "bare numbers": not a word a page can be searched for
        if re.search(r"\bonly\b", qualifier):
            continue  # wrong in one sense only ("姓名 (a person's name only)"): not searchable as text
        how = "alone" if re.match(r"^alone\b", qualifier) else "anywhere"
        found.append(Wrong(word, english, how))
    return found


def wrong_words(path: Path = GLOSSARY) -> list[Wrong]:
    words = []
    for row in _table_rows(path.read_text(encoding="utf-8")):
        wrong_col = next((v for k, v in row.items() if k.startswith("wrong")), "")
        english = next(iter(row.values()), "")
        words.extend(_parse_wrong_cell(wrong_col, english))
    return words


#: Words the glossary marks wrong for one meaning that our pages rightly use for another.
#: word -> why it may appear (keep this short; every entry is a judgment call).
ELSEWHERE_RIGHT = {
    "关闭": "wrong for closing the day (确认全员离校); right for closing a window, a notice or a dialog",
    "英语": "wrong as the language switch (test_language_switch_names_each_language_in_itself); the school "
            "subject English is 英语 (英语角, 英语课)",
}
#: Right words that contain a wrong one: 点名册 (the roll book) is the roll, 名册 alone is a roster.
RIGHT_COMPOUNDS = {
    "名册": ("点名册", "花名册", "学生名册"),  # 学生名册: the roster import is about a roster
}


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, <script> or <style> contents."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "template"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def visible_text(html: str) -> tuple[str, list[str]]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.nodes), parser.nodes


# --- the parser against the file's actual format ----------------------------------------------
def test_glossary_wrong_column_is_parsed():
    words = {w.word: w for w in wrong_words()}
    for always in ["会话", "过滤器", "俱乐部", "确认闭园", "英语", "午托", "等待名单", "已放置", "值日生", "名册"]:
        assert always in words and words[always].how == "anywhere", always
    assert words["退出"].how == "alone"
    assert any(w.how == "pattern" and re.search(w.word, "第48周 2026-W48") for w in words.values())
    for not_searched in ["值班领导", "独自离校", "姓名", "事故"]:
        assert not_searched not in words, not_searched


def test_visible_text_drops_tags_scripts_and_attributes():
    text, nodes = visible_text('<p title="过滤器">筛选<script>var a = "会话";</script></p><button>退出</button>')
    assert "过滤器" not in text and "会话" not in text
    assert nodes == ["筛选", "退出"]


def test_right_compounds_are_not_wrong():
    roster = next(w for w in wrong_words() if w.word == "名册")
    assert not roster.found_in("今日点名册", ["今日点名册"])
    assert roster.found_in("班级名册", ["班级名册"])


# --- the pages ----------------------------------------------------------------------------------
def _readers(endpoint) -> list[str]:
    """The signed-in roles the matrix expects a 200 for (listed, or by the endpoint's default)."""
    return [r for r in ROLES if r != "anonymous" and endpoint.expect.get(r, endpoint.default) == 200]


PAGES = [e for e in ENDPOINTS if e.method == "GET" and not e.api and _readers(e)]


@pytest.mark.time_machine(IN_TERM)
@pytest.mark.parametrize("endpoint", PAGES, ids=lambda e: e.name)
def test_no_page_shows_a_word_the_glossary_marks_wrong(world, client, endpoint):
    add_offices(world)
    sensitive(world)
    if endpoint.setup:
        endpoint.setup(world)
    url = reverse(endpoint.name, kwargs=endpoint.kwargs(world) if endpoint.kwargs else None)
    wrong = [w for w in wrong_words() if w.word not in ELSEWHERE_RIGHT]
    failures = []
    for role in _readers(endpoint):
        client.force_login(getattr(world, role))
        with translation.override("zh-hans"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        text, nodes = visible_text(response.content.decode())
        for w in wrong:
            if w.found_in(text, nodes):
                around = re.search(rf".{{0,20}}{w.word if w.how == 'pattern' else re.escape(w.word)}.{{0,20}}", text)
                failures.append(f"{role}: {w.word!r} ({w.english}) in …{around.group(0) if around else ''}…")
    assert failures == [], f"{url}:\n" + "\n".join(failures)


def test_language_switch_names_each_language_in_itself(world, client):
    """The switch offers "English" and "简体中文", never a translated "英语"."""
    client.force_login(world.principal)
    html = client.get(reverse("privacy:notice"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    switch = html[html.index('id="language-select"'):]
    switch = switch[:switch.index("</select>")]
    _text, options = visible_text("<select " + switch + "</select>")
    assert options == ["简体中文", "English"]


def test_the_name_of_a_group_school_or_district_is_mingcheng(world, client):
    """姓名 is a person's name only: a group's, a venue's, a district's or school's name is 名称 (our own
    context, so that no other catalogue's "Name" → 姓名 answers)."""
    from django.utils.translation import pgettext

    with translation.override("zh-hans"):
        assert pgettext("of a group, school or district", "Name") == "名称"
    client.force_login(world.principal)
    html = client.get(reverse("schools:venues", args=[world.school_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert html.status_code == 200
    text, _nodes = visible_text(html.content.decode())
    assert "名称" in text and "姓名" not in text
