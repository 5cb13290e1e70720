"""API tokens that expire and can be revoked.

DRF's own token never expires; a token here lives `API_TOKEN_TTL` from its creation, and a staff
member's token follows the staff session policy (idle time and absolute limit: accounts.services.
token_use). It is deleted when it expires, when the user signs out everywhere (or signs out on the
web asking for it), is deactivated, or revokes it.
"""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        from .services import token_use

        user, token = super().authenticate_credentials(key)
        token.user = user
        if not token_use(token=token):
            raise exceptions.AuthenticationFailed(_("The token has expired. Sign in again."))
        return user, token
