"""What changes the incident list the bureau and districts share (selectors.LIST_SUBJECT): an incident
saved (reported, escalated, reviewed, closed), the children involved changed (their number is shown),
a school or a venue saved (their names are shown)."""
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from schools.models import School, Venue
from shahe_afterschool import fragments

from .models import Incident
from .selectors import LIST_SUBJECT


@receiver(post_save, sender=Incident, dispatch_uid="safety.list.incident")
@receiver(post_save, sender=School, dispatch_uid="safety.list.school")
@receiver(post_save, sender=Venue, dispatch_uid="safety.list.venue")
@receiver(m2m_changed, sender=Incident.children.through, dispatch_uid="safety.list.children")
def _list_changed(sender, **kwargs):
    fragments.changed(LIST_SUBJECT)
