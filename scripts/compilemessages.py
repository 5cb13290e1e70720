"""Compile every django.po of the project into django.mo with polib.

Pure Python, so the setup command does not depend on a system gettext that may be missing.
"""
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in ROOT.glob("**/locale/*/LC_MESSAGES/django.po"):
        if ".venv" in po_path.parts:
            continue
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    print(f"compiled {count} message catalogues")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
