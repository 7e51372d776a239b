"""GET /api/v1/events and POST /api/v1/events/ack."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from .. import feed
from .base import ApiView
from .schema import problems


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    schemaVersion = serializers.IntegerField()
    timestamp = serializers.CharField()
    data = serializers.DictField()


class FeedSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next = serializers.CharField(help_text="Cursor to pass as `after` next time.")
    hasMore = serializers.BooleanField()


class AckSerializer(serializers.Serializer):
    cursor = serializers.IntegerField(min_value=0, help_text="The `next` cursor of the last page you handled.")


class EventFeedView(ApiView):
    """The pull feed: events of this application's scopes in id order, after a cursor."""

    audit_action = "events.list"

    @extend_schema(
        operation_id="events_list",
        summary="Events of this application's scopes, oldest first",
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Cursor; default: the last acknowledged one.", required=False
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1–1000, default 100.", required=False),
        ],
        responses={200: FeedSerializer, **problems(400)},
    )
    def get(self, request):
        query = _FeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        events, next_cursor, has_more = feed.page(
            self.application, after=query.validated_data.get("after"), limit=query.validated_data["limit"]
        )
        return Response(
            {"events": [event.payload() for event in events], "next": str(next_cursor), "hasMore": has_more}
        )


class _FeedQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=feed.MAX_LIMIT, default=feed.DEFAULT_LIMIT)


class EventAckView(ApiView):
    """Acknowledging moves the application's stored cursor; a feed call without `after` continues there."""

    audit_action = "events.ack"

    @extend_schema(
        operation_id="events_ack",
        summary="Acknowledge that every event up to the cursor is handled",
        request=AckSerializer,
        responses={200: inline_serializer("AckResponse", {"acknowledged": serializers.CharField()}), **problems(400)},
    )
    def post(self, request):
        body = AckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        acknowledged = feed.acknowledge(self.application, body.validated_data["cursor"])
        return Response({"acknowledged": str(acknowledged)})
