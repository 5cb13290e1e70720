"""Every endpoint under /api/v1/. Apps register their viewsets on the one router."""
from django.urls import path
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, RevokeTokenView, TokenView
from schools.api import SchoolViewSet, StudentViewSet

router = DefaultRouter()
router.register("schools", SchoolViewSet, basename="school")
router.register("students", StudentViewSet, basename="student")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="token-revoke"),
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
]
