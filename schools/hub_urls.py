"""The school overview, the calendar feed page (to be written)."""

urlpatterns = []
