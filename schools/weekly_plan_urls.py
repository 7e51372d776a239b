"""Account pages of weekly_plans (to be written)."""

urlpatterns = []
