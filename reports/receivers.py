"""What changes the rendered report pages (selectors.REPORTS_SUBJECT) besides a build or a publication
(reports.services calls `fragments.changed` itself): a report saved one by one, and the names the pages
print from the database rather than from the report (a school's or a district's as the scope's title,
a club category's in the clubs chart)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from clubs.models import ClubCategory
from schools.models import District, School
from shahe_afterschool import fragments

from .models import WeeklyCoverageReport
from .selectors import REPORTS_SUBJECT


@receiver(post_save, sender=WeeklyCoverageReport, dispatch_uid="reports.pages.report")
@receiver(post_save, sender=School, dispatch_uid="reports.pages.school")
@receiver(post_save, sender=District, dispatch_uid="reports.pages.district")
@receiver(post_save, sender=ClubCategory, dispatch_uid="reports.pages.category")
def _pages_changed(sender, **kwargs):
    fragments.changed(REPORTS_SUBJECT)
