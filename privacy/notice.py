"""The privacy notice for children's information: its current version and its texts.

The notice is a legal text, so each version is a pair of fixed templates (Chinese and English)
rather than translatable strings: `privacy/notice/<version>.<lang>.html`. Publishing a new version
means adding two templates and appending to `VERSIONS`; guardians' earlier consents stay tied to
the version they saw, and `consent_given` asks for consent to the current one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import get_language


@dataclass(frozen=True)
class NoticeVersion:
    version: str
    published: date


#: Every published version, oldest first. The last one is in force.
VERSIONS: list[NoticeVersion] = [NoticeVersion("2026-11", date(2026, 11, 1))]


def current() -> NoticeVersion:
    return VERSIONS[-1]


def template_for(version: str, language: str | None = None) -> str:
    lang = "en" if (language or get_language() or "").startswith("en") else "zh"
    return f"privacy/notice/{version}.{lang}.html"


def footer_label():
    """The footer link's text (templates/base.html); kept here so the privacy catalogue translates it."""
    from django.utils.translation import gettext_lazy as _

    return _("Privacy notice")
