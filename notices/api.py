from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "must_read", "created_at", "read_at"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user)

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = self.get_object()
        services.notification_mark_read(notification=notice)
        notice.refresh_from_db()
        return Response(NotificationSerializer(notice).data)


def register_api(router):
    router.register("notifications", NotificationViewSet, basename="notification")
    return []
