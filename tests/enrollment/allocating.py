"""What the allocation tests share (test_allocation: the batch allocation; test_first_come: first
come, first served): the clock of the application morning and a child who applies, has its
priority claims decided and is approved."""
import datetime
from zoneinfo import ZoneInfo

from enrollment import services
from enrollment.models import Application

from .factories import child_with_parent

S = Application.Status
TZ = ZoneInfo("Asia/Shanghai")


def at(hhmm: str) -> datetime.datetime:
    """A time on the morning applications open (2026-09-01, Shanghai)."""
    h, m = map(int, hhmm.split(":"))
    return datetime.datetime(2026, 9, 1, h, m, tzinfo=TZ)


def approved(enr, name: str, when: str, *, claims=(), sessions=("after_school",)) -> Application:
    """A child of class_a applies at `when` with `claims` [(group, verified: True/False/None)], the
    homeroom teacher decides each claim (None: never decided) and approves the application."""
    w = enr.world
    child, parent = child_with_parent(w.class_a, name=name)
    app = enr.apply(child, parent, claims=[(g, "") for g, _v in claims], submitted_at=at(when), sessions=sessions)
    for claim, (_g, verified) in zip(app.claims.order_by("group"), sorted(claims, key=lambda c: c[0]), strict=True):
        if verified is not None:
            services.claim_decide(claim=claim, by=w.homeroom, verified=verified)
    enr.approve(app)
    return app


def waiting_list(enr) -> list[tuple[str, int]]:
    """(child's name, position) of school_a's waiting list, in order."""
    return list(Application.objects.filter(school=enr.world.school_a, status=S.WAITLISTED)
                .order_by("waitlist_position").values_list("student__name", "waitlist_position"))
