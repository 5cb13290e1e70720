from .scoping import scope_of


def roles(request):
    """The signed-in user's roles for the header, read lazily (no query on pages that skip it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_scope": scope_of(user)}
