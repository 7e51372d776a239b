"""Account pages of grades (to be written)."""

urlpatterns = []
