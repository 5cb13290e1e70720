from axes.exceptions import AxesBackendPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shahe_afterschool.throttling import AnonRateThrottle

from . import services
from .models import RoleAssignment


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RoleAssignment
        fields = ["role", "school", "district"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    language = serializers.SerializerMethodField(help_text="the user's saved language (zh-hans, en), "
                                                           "or empty: none saved")
    roles = RoleSerializer(many=True, source="active_roles")

    def get_language(self, user) -> str:
        return services.saved_language(user)


def _token_answer(user, token) -> Response:
    """The token and the user's saved language (empty: none saved), so that an app can switch its
    interface to it at sign-in, as the web pages do (a token client keeps no language cookie)."""
    return Response({"token": token.key, "language": services.saved_language(user)})


class TokenView(APIView):
    """`POST {"username", "password"}` → `{"token"}`. Failed sign-ins lock as on the sign-in page
    (django-axes: per account and address, per address, per account); calls are limited per client
    address (the "anon" rate). `POST {"phone", "code"}` → `{"token"}` with a code from
    `auth/sms-code/` (400 for a wrong, spent or expired code). The answer also carries the user's
    saved language (`"language"`: "zh-hans", "en" or "" when none is saved), to show the app in."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                            "language": serializers.CharField()})},
    )
    def post(self, request):
        if isinstance(request.data, dict) and "phone" in request.data and "username" not in request.data:
            return self.post_phone(request)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            valid = serializer.is_valid()
        except AxesBackendPermissionDenied:
            valid = False
            request.axes_locked_out = True
        # django-axes marks a locked-out request; Django's authenticate() turns the refusal into
        # a plain failure, so the flag is how the API tells "locked" from "wrong password".
        if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
            return Response(
                {"detail": _("Too many failed sign-ins: sign-in is locked for 15 minutes for this account or this "
                             "network.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if not valid:
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        token = services.token_for(user=user)
        services.audit_record(request=request, user=user, action="login", detail="api token")
        return _token_answer(user, token)

    def post_phone(self, request):
        user = services.phone_code_check(request=request, phone=str(request.data.get("phone") or ""),
                                         code=str(request.data.get("code") or ""))
        token = services.token_for(user=user)
        services.audit_record(request=request, user=user, action="login", detail="api token by phone code")
        return _token_answer(user, token)


class SmsCodeView(APIView):
    """`POST {"phone"}` → 202, whether or not the number has an account (a code is sent only to a
    number that has one). 400 for a number that is not a mobile number; 429 when asked too often
    (one a minute and ten a day per number, twenty an hour per address); 503 while the city's hourly
    budget of text messages is spent."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=inline_serializer("SmsCodeRequest", {"phone": serializers.CharField()}),
        responses={202: inline_serializer("SmsCodeResponse", {"detail": serializers.CharField()})},
    )
    def post(self, request):
        services.phone_code_request(request=request, phone=str(request.data.get("phone") or ""))
        return Response({"detail": _("If this number belongs to an account, a code is on its way by text "
                                     "message.")}, status=status.HTTP_202_ACCEPTED)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        user.active_roles = list(user.role_assignments.active())
        return Response(MeSerializer(user).data)


class RevokeTokenView(APIView):
    """Delete the caller's API tokens (sign out every API client)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register_api(router):
    from django.urls import path

    return [
        path("auth/token/", TokenView.as_view(), name="token"),
        path("auth/sms-code/", SmsCodeView.as_view(), name="sms-code"),
        path("auth/token/revoke/", RevokeTokenView.as_view(), name="token-revoke"),
        path("me/", MeView.as_view(), name="me"),
    ]
