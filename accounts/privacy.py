"""Masking of personal data on lists (phones, ID numbers) and validation of mainland formats."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")


def normalise_phone(raw: str) -> str:
    """'138 1234-5678', '＋86 13812345678' → '13812345678'; unchanged if it is not a phone."""
    value = (raw or "").translate(_FULLWIDTH)
    value = re.sub(r"[\s\-()]", "", value)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def validate_phone(value: str) -> None:
    if not PHONE_RE.match(value or ""):
        raise ValidationError(_("Enter a mainland mobile number of 11 digits starting with 1."), code="phone")


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) == 11:
        return f"{value[:3]}****{value[-4:]}"
    return "*" * len(value)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_is_valid(value: str) -> bool:
    """The 18-character resident ID (身份证号) with its ISO 7064 MOD 11-2 check digit."""
    value = (value or "").upper()
    if not re.match(r"^\d{17}[\dX]$", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[-1]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) > 7 else "*" * len(value)
