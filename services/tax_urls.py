"""URLs of the tax pages (filled by the tax feature)."""

app_name = "tax"

urlpatterns = []
