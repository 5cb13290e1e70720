"""Compile every django.po of the project into django.mo with polib.

Pure Python, so the setup command does not depend on a system gettext that may be missing.
"""
import os
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in ROOT.glob("**/locale/*/LC_MESSAGES/django.po"):
        if ".venv" in po_path.parts:
            continue
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime_ns >= po_path.stat().st_mtime_ns:
            continue  # up to date: not rewritten (two test runs started together must not race)
        po = polib.pofile(str(po_path))
        # written beside and renamed, so that a process starting meanwhile reads the old or the new file
        tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        po.save_as_mofile(str(tmp))
        os.replace(tmp, mo_path)
        count += 1
    print(f"compiled {count} message catalogues")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
