"""URLs of the API for specialist applications, mounted at /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import events_views

app_name = "api"

PUBLIC = {"authentication_classes": [], "permission_classes": []}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**PUBLIC), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **PUBLIC), name="docs"),
    path("events", events_views.EventFeedView.as_view(), name="events"),
    path("events/ack", events_views.EventAckView.as_view(), name="events_ack"),
]
