"""The public document check at /verify/ (filled by the certificates feature)."""

app_name = "verify"

urlpatterns = []
