"""Demo consents: every demo guardian has consented to the current notice for each child, so the
demo's enrollment works; parent2 has one open correction request for principal1 to handle."""
from __future__ import annotations

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from . import notice
from .models import CorrectionRequest, GuardianConsent


def seed(ctx) -> None:
    from schools.models import Guardianship

    version = notice.current().version
    now = timezone.now()
    existing = set(
        GuardianConsent.objects.filter(notice_version=version).values_list("student_id", "guardian_id")
    )
    new = [
        GuardianConsent(student_id=s, guardian_id=g, notice_version=version,
                        decision=GuardianConsent.Decision.GIVEN, decided_at=now)
        for s, g in Guardianship.objects.filter(active=True).values_list("student_id", "guardian_id").order_by("id")
        if (s, g) not in existing
    ]
    if new:
        bulk_create_with_history(new, GuardianConsent)
    parent2 = ctx.users.get("parent2")
    if parent2 is not None:
        child = Guardianship.objects.filter(guardian=parent2, active=True).order_by("id").first()
        if child and not CorrectionRequest.objects.filter(requested_by=parent2).exists():
            CorrectionRequest.objects.create(student_id=child.student_id, requested_by=parent2,
                                             text="出生日期登记有误，应为2017年3月5日。")
    ctx.log.append(f"privacy: {len(new)} consents recorded")
