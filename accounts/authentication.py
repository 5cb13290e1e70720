"""API tokens that expire and can be revoked.

DRF's own token never expires; a token here lives `API_TOKEN_TTL` from its creation and is
deleted when the user signs out everywhere, is deactivated, or revokes it.
"""
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - settings.API_TOKEN_TTL:
            token.delete()
            raise exceptions.AuthenticationFailed(_("The token has expired. Sign in again."))
        return user, token
