"""Account pages of meetings (to be written)."""

urlpatterns = []
