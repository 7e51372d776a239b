"""Account pages of courses (to be written)."""

urlpatterns = []
