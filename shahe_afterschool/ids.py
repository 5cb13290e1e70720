"""Ids and whole numbers that arrive from outside (URLs, query strings, form fields, JSON bodies).

One rule everywhere: ASCII digits only, within the database's integer range. Python's `int()` and
`str.isdigit()` accept the digits of every script (`"٣٣"`, `"３３"`) and `isdigit()` even accepts
`"²"`, which `int()` then refuses; the database refuses numbers beyond 64 bits (SQLite raises
OverflowError). Both used to end as a wrong object or a server error; with these helpers they are
"not found" or a clear validation message.
"""
from __future__ import annotations

import re

#: The largest primary key (BigAutoField; SQLite's INTEGER and PostgreSQL's bigint).
MAX_ID = 2**63 - 1

_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(value, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`value` as an int when it is one (or a string of ASCII digits) within `low..high`, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _ASCII_DIGITS.fullmatch(value):
            return None
        value = int(value)
    if not isinstance(value, int):
        return None
    return value if low <= value <= high else None


def parse_id(value) -> int | None:
    """A primary key from outside, or None (which callers answer as "not found" or "unknown")."""
    return parse_int(value, low=1)


def parse_ids(values) -> list[int]:
    """The valid ids among `values` (a form's `getlist`), in order; the rest are dropped."""
    return [pk for pk in (parse_id(v) for v in values or ()) if pk is not None]
