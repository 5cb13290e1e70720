"""Every catalogue is complete: no empty or fuzzy translation in any zh_Hans django.po."""
import shutil
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts]


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(po_path):
    po = polib.pofile(str(po_path))
    missing = [e.msgid for e in po if not e.obsolete and (not e.msgstr and not e.msgstr_plural)]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert missing == [] and fuzzy == []


@pytest.mark.skipif(not shutil.which("xgettext"), reason="xgettext (GNU gettext) is not installed")
@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_marked_string_is_in_the_catalogue(po_path, tmp_path):
    """Extract the app's strings afresh and check each is translated (a forgotten makemessages)."""
    app_dir = po_path.parents[3]
    sources = [p for p in app_dir.rglob("*") if p.suffix in {".py", ".html", ".txt"} and "locale" not in p.parts
               and "migrations" not in p.parts and ".venv" not in p.parts and "tests" not in p.parts
               and not (app_dir == ROOT and p.parts[len(ROOT.parts)] not in {"templates", "shahe_afterschool"})]
    known = {e.msgid for e in polib.pofile(str(po_path)) if e.msgstr or e.msgstr_plural}
    py = [str(p) for p in sources if p.suffix == ".py"]
    out = tmp_path / "py.pot"
    if py:
        subprocess.run(["xgettext", "-L", "Python", "--from-code=UTF-8", "-k_", "-kgettext", "-kgettext_lazy",
                        "-kngettext:1,2", "-kngettext_lazy:1,2", "-kpgettext:1c,2", "-kpgettext_lazy:1c,2",
                        "-o", str(out), *py], check=True, capture_output=True)
    extracted = {e.msgid for e in polib.pofile(str(out))} if out.exists() else set()
    extracted.discard("")
    assert sorted(extracted - known) == []
