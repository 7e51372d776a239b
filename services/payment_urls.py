"""URLs of the payment pages (filled by the payment feature)."""

app_name = "payment"

urlpatterns = []
