"""Account pages of absences (to be written)."""

urlpatterns = []
