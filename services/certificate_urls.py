"""URLs of the certificate pages (filled by the certificate feature)."""

app_name = "certificate"

urlpatterns = []
