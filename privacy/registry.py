"""What each app holds about a child, and how to remove it: the registries the privacy app reads.

- `register_provider(key, label, fn)`: `fn(student) -> dict` returns everything the app holds about
  the child (plain JSON-able values: str, int, bool, None, date/datetime, lists and dicts of them).
  The guardian's data download (`privacy.selectors.child_data`) is the union of every provider.
- `register_scrubber(key, fn)`: `fn(student) -> None` removes the app's personal data about a child
  the retention task anonymises (names, notes, claims...). Keep the rows: counts in reports stay right.
- `register_audit_subject(object_type, model_label, student_path, label=None)`: an
  `AuditEvent.object_type` whose `object_id` is the pk of `model_label`, and the path from that
  model to its student ("" for the student itself). The audit pages use it to find a child's and a
  school's events, and show `label` (default: the model's verbose name) as what was read.
- `register_consent_refused(key, fn)`: `fn(student, guardian) -> str | None` stops the app's processing
  of a child whose guardian refused (or withdrew) consent to the privacy notice (enrollment withdraws
  the child's open applications) and says what it stopped, for the guardian (None: nothing). Runs
  in the transaction that records the refusal.

Apps register in `AppConfig.ready()`. Registration is idempotent (by key).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PROVIDERS: dict[str, tuple[object, Callable]] = {}
SCRUBBERS: dict[str, Callable] = {}
CONSENT_REFUSED: dict[str, Callable] = {}


@dataclass(frozen=True)
class AuditSubject:
    object_type: str
    model_label: str
    student_path: str
    label: object = None  # what the audit page calls the object ("Priority claim"); lazy text


AUDIT_SUBJECTS: dict[str, AuditSubject] = {}


def register_provider(key: str, label, fn: Callable) -> None:
    PROVIDERS[key] = (label, fn)


def register_scrubber(key: str, fn: Callable) -> None:
    SCRUBBERS[key] = fn


def register_consent_refused(key: str, fn: Callable) -> None:
    CONSENT_REFUSED[key] = fn


def register_audit_subject(object_type: str, model_label: str, student_path: str = "", label=None) -> None:
    AUDIT_SUBJECTS[object_type] = AuditSubject(object_type, model_label, student_path, label)


def object_type_label(object_type: str) -> str:
    """How the audit pages name an `AuditEvent.object_type`: the registered label, else the model's
    verbose name ("schools.student" -> "student"), else the raw type."""
    from django.apps import apps

    subject = AUDIT_SUBJECTS.get(object_type)
    if subject is not None and subject.label is not None:
        return str(subject.label)
    label = subject.model_label if subject is not None else object_type
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)
