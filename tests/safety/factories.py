"""Helpers that build safety records through the services (never raw saves)."""
import datetime

from django.utils import timezone

from safety import services
from safety.models import IncidentType, Severity


def report(world, *, user=None, school=None, minutes_ago=30, type=IncidentType.INJURY, severity=Severity.GENERAL,
           children=None, **kwargs):
    school = school or world.school_a
    return services.incident_report(
        user=user or world.homeroom, school=school,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), type=type, severity=severity,
        description=kwargs.pop("description", "摔倒擦伤膝盖"),
        children=[world.child_a] if children is None else children, **kwargs,
    )


def inspect(world, *, school=None, days_ago=10):
    return services.inspection_record(
        user=world.bureau, school=school or world.school_a,
        inspected_on=timezone.localdate() - datetime.timedelta(days=days_ago), inspectors=[world.bureau],
        scores={"organisation": 20, "staffing": 18, "content": 22, "safety": 15},
        findings={"safety": "应急通道堵塞"},
    )


def add_item(world, inspection, *, deadline_days=14):
    return services.rectification_item_add(
        user=world.bureau, inspection=inspection, heading="safety", description="清理应急通道",
        deadline=timezone.localdate() + datetime.timedelta(days=deadline_days),
    )
