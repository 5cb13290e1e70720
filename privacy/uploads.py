"""Upload checks for every app that accepts files (evidence for priority claims, incident photos,
voice notes): a size limit and a type check by extension AND by the file's first bytes, so a
renamed executable or HTML page is refused. Use in a form's clean_<field>:

    from privacy.uploads import validate_upload
    def clean_evidence(self):
        return validate_upload(self.cleaned_data["evidence"], kinds=("image", "pdf"))

Raises django.core.exceptions.ValidationError with a message in the user's language.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    #: (offset, bytes) signatures; the file must match one
    signatures: tuple[tuple[int, bytes], ...]


KINDS: dict[str, FileKind] = {
    "image": FileKind((".jpg", ".jpeg", ".png", ".webp"),
                      ((0, b"\xff\xd8\xff"), (0, b"\x89PNG\r\n\x1a\n"), (8, b"WEBP"))),
    "pdf": FileKind((".pdf",), ((0, b"%PDF-"),)),
    "audio": FileKind((".mp3", ".m4a", ".wav", ".ogg", ".webm", ".amr"),
                      ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"), (4, b"ftyp"),
                       (8, b"WAVE"), (0, b"OggS"), (0, b"\x1a\x45\xdf\xa3"), (0, b"#!AMR"))),
}


def validate_upload(file, *, kinds: tuple[str, ...], max_bytes: int | None = None):
    """Return the file if its size and type are acceptable, else raise ValidationError."""
    if file is None:
        return file
    limit = max_bytes or getattr(settings, "MAX_UPLOAD_FILE_SIZE", 5 * 1024 * 1024)
    if file.size is not None and file.size > limit:
        raise ValidationError(_("The file is too large (at most %(limit)s)."), code="file_too_large",
                              params={"limit": filesizeformat(limit)})
    if file.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    name = (getattr(file, "name", "") or "").lower()
    allowed = [KINDS[k] for k in kinds]
    matching = [k for k in allowed if name.endswith(k.extensions)]
    extensions = ", ".join(ext for k in allowed for ext in k.extensions)
    if not matching:
        raise ValidationError(_("This type of file is not accepted. Accepted: %(types)s."), code="file_type",
                              params={"types": extensions})
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(32)
    file.seek(position)
    if not any(head[offset:offset + len(sig)] == sig for kind in matching for offset, sig in kind.signatures):
        raise ValidationError(_("The file's content does not match its type. Accepted: %(types)s."),
                              code="file_content", params={"types": extensions})
    return file
