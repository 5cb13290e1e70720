"""Weekly coverage reports (周报): one per ISO week per scope, built by `reports.services.reports_build`."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.scoping import scope_of


class ScopeKind(models.TextChoices):
    SCHOOL = "school", _("School")
    DISTRICT = "district", _("District")
    CITY_DIRECT = "city_direct", _("City-direct schools")
    CITY = "city", _("City")


def scope_display_name(kind: str, stored_name: str) -> str:
    """A scope's name in the reader's language. The build stores names in the language it ran in (the
    Monday beat: the site's default); the city and the city-direct group are named by their kind, so
    they are translated when read. Schools and districts keep their own (stored) names."""
    if kind in (ScopeKind.CITY, ScopeKind.CITY_DIRECT):
        return str(ScopeKind(kind).label)
    return stored_name


class WeeklyCoverageReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> WeeklyCoverageReportQuerySet:
        """The bureau sees every report, drafts included; district staff the published reports of
        their district and its schools; a principal the published reports of their school."""
        scope = scope_of(user)
        if scope.sees_city:
            return self.all()
        q = Q(kind=ScopeKind.DISTRICT, district_id__in=scope.district_ids)
        q |= Q(kind=ScopeKind.SCHOOL, school__district_id__in=scope.district_ids)
        q |= Q(kind=ScopeKind.SCHOOL, school_id__in=scope.schools_with(Role.PRINCIPAL))
        return self.filter(q, status__in=WeeklyCoverageReport.READABLE)

    def current(self) -> WeeklyCoverageReportQuerySet:
        """Drafts and published reports: not the versions a correction replaced."""
        return self.exclude(status=WeeklyCoverageReport.Status.SUPERSEDED)


class WeeklyCoverageReport(models.Model):
    """The figures of one scope (a school, a district, the city-direct group or the city) for one ISO
    week, as JSON (`data`: sections, main figures, week-on-week changes, compliance flags).

    A draft is replaced in place when the week is built again; a published report is never changed:
    a correction is a new version (`version + 1`, `supersedes` the published one), and the earlier
    version becomes `superseded` when the correction is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a correction")

    READABLE = (Status.PUBLISHED, Status.SUPERSEDED)

    week = models.CharField(_("ISO week"), max_length=8, db_index=True, help_text="YYYY-Www")
    week_start = models.DateField(_("week starts"))
    kind = models.CharField(_("scope"), max_length=16, choices=ScopeKind.choices)
    school = models.ForeignKey("schools.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="weekly_reports", verbose_name=_("school"))
    district = models.ForeignKey("schools.District", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="weekly_reports", verbose_name=_("district"))
    scope_key = models.CharField(max_length=32, editable=False, help_text="city, city_direct, district:<id>, school:<id>")
    term = models.ForeignKey("schools.Term", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("term"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="correction", verbose_name=_("corrects"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    data = models.JSONField(_("figures"), default=dict)
    built_at = models.DateTimeField(_("built at"))
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("built by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))

    objects = WeeklyCoverageReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("weekly coverage report (周报)")
        verbose_name_plural = _("weekly coverage reports")
        ordering = ["-week", "kind", "scope_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["week", "scope_key", "version"], name="unique_report_version"),
            models.UniqueConstraint(fields=["week", "scope_key"], condition=Q(status="draft"),
                                    name="one_draft_per_week_and_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.week} · {self.scope_name} · v{self.version}"

    @property
    def scope_name(self) -> str:
        return scope_display_name(self.kind, (self.data.get("scope") or {}).get("name") or self.scope_key)
