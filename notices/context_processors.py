from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def unread(request):
    """The signed-in user's unread notices, for the navigation's inbox entry: one COUNT query (on the
    (recipient, read_at) index), made only when a page's navigation shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .models import Notification

    return {"unread_notices": SimpleLazyObject(lambda: Notification.objects.filter(
                recipient=user, read_at__isnull=True).count()),
            "inbox_url": reverse("notices:inbox")}
