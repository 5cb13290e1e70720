from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def unread(request):
    """The signed-in user's unread notices, for the navigation's inbox entry (`notices.unread`: from
    the cache, one COUNT query on a miss), evaluated only when a page's navigation shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .unread import unread_for

    return {"unread_notices": SimpleLazyObject(lambda: unread_for(request)), "inbox_url": reverse("notices:inbox")}
