from .nav import nav_for
from .scoping import scope_of


def roles(request):
    """The signed-in user's scope and navigation for the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {"user_scope": scope, "nav_items": nav_for(scope)}
