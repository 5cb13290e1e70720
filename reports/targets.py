"""The targets of the report's headline figures: the one place that knows them.

Every report page opens with four figures and their targets (issue 21): coverage (参与率: students in the
service over students enrolled in school), attendance rate, compliance flags (schools with flags; on a
school's page, the school's own flags) and escalated incidents still open at the end of the week.

The seed (the bureau's reply to proposal No. 89) and DESIGN.md fix the time rules (13:00 / 14:00 /
18:00 / 120 minutes, kept on `schools.Term`) but give no figure for coverage or attendance: the
service is voluntary and meant for every child who needs it (有需求的学生全覆盖). The two rates below
are therefore the bureau's working targets, to be confirmed by the bureau and changed here only;
zero is the only target a compliance flag or an open escalated incident can have.

Targets are applied when a report is read, so changing one here re-colours past weeks too.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    #: the main figure (`WeeklyCoverageReport.data["main"]`) the target is about
    key: str
    value: float
    #: True: the figure should be at least `value`; False: at most `value`
    at_least: bool
    #: the figure is a percentage (0-100)
    percent: bool = False
    #: the colour of a figure off target: "warning", or "danger" for what cannot wait
    tone: str = "warning"

    def met(self, figure) -> bool | None:
        """Whether the figure meets the target; None when there is no figure."""
        if figure is None:
            return None
        return figure >= self.value if self.at_least else figure <= self.value

    @property
    def higher_is_better(self) -> bool:
        return self.at_least


COVERAGE_RATE = Target("coverage_rate", 90.0, at_least=True, percent=True)
ATTENDANCE_RATE = Target("attendance_rate", 95.0, at_least=True, percent=True)
FLAGGED_SCHOOLS = Target("flagged_schools", 0, at_least=False)
FLAG_COUNT = Target("flag_count", 0, at_least=False)
ESCALATED_OPEN = Target("escalated_open", 0, at_least=False, tone="danger")

TARGETS: dict[str, Target] = {t.key: t for t in (COVERAGE_RATE, ATTENDANCE_RATE, FLAGGED_SCHOOLS, FLAG_COUNT,
                                                 ESCALATED_OPEN)}

#: The four headline figures of a report page, by the kind of scope: a school counts its own flags.
HEADLINE_KEYS = ("coverage_rate", "attendance_rate", "flagged_schools", "escalated_open")
SCHOOL_HEADLINE_KEYS = ("coverage_rate", "attendance_rate", "flag_count", "escalated_open")


def headline_keys(kind: str) -> tuple[str, ...]:
    return SCHOOL_HEADLINE_KEYS if kind == "school" else HEADLINE_KEYS
