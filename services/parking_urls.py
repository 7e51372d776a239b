"""URLs of the parking pages (filled by the parking feature)."""

app_name = "parking"

urlpatterns = []
