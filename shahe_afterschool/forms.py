"""Form fields shared by the apps' forms."""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import IntegerField

from .ids import parse_id


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's checkbox list of objects, with each submitted id read as everywhere else
    (`shahe_afterschool.ids`): an id that is not ASCII digits within the database's range is "not a
    valid value", never read as another object (`"٣"`) or sent to the database (a 64-bit overflow in
    the `IN (...)` that Django builds, a server error on SQLite)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk" and isinstance(self.queryset.model._meta.pk, IntegerField):
            for pk in value:
                if parse_id(str(pk)) is None:
                    raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                          params={"pk": pk})
        return super()._check_values(value)
