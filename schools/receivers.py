"""What changes the rendered school list (selectors.LIST_SUBJECT): a school (its name, district,
level, demonstration), a class (the count of active classes) or a child (the count of enrolled
children) saved. The import of a class list writes its children in bulk and calls
`fragments.changed` itself."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from shahe_afterschool import fragments

from .models import HomeroomClass, School, Student
from .selectors import LIST_SUBJECT


@receiver(post_save, sender=School, dispatch_uid="schools.list.school")
@receiver(post_save, sender=HomeroomClass, dispatch_uid="schools.list.class")
@receiver(post_save, sender=Student, dispatch_uid="schools.list.student")
def _list_changed(sender, **kwargs):
    fragments.changed(LIST_SUBJECT)
