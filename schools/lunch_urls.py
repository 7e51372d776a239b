"""Account pages of lunch (to be written)."""

urlpatterns = []
