"""Mainland China mobile numbers, in every form people type them.

"+86 138-0013-8000", "0086 13800138000", "１３８００１３８０００" (full-width), "138 0013 8000" all become
"13800138000". A landline, a number of the wrong length or one with letters is refused with a message
in the user's language.
"""
from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from shahe_afterschool.errors import DomainError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
#: What people put between digits: spaces (also full-width and non-breaking), dashes, dots, brackets.
SEPARATORS = re.compile(r"[\s\-‐‑‒–—―－.·()（）]")


def normalise_phone(raw: str) -> str:
    """The 11-digit mobile number in `raw`, or DomainError (field "phone")."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    text = SEPARATORS.sub("", text)
    if not text:
        raise DomainError(_("Enter your mobile phone number."), field="phone")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not text.isdigit():
        raise DomainError(_("A mobile phone number has digits only."), field="phone")
    if text.startswith("0"):
        raise DomainError(_("This looks like a landline number: enter a mobile phone number (11 digits, "
                            "starting with 1)."), field="phone")
    if len(text) != 11:
        raise DomainError(_("A mobile phone number has 11 digits."), field="phone")
    if not MOBILE.match(text):
        raise DomainError(_("This is not a mobile phone number in mainland China."), field="phone")
    return text


def normalise_phone_or_none(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except DomainError:
        return None
