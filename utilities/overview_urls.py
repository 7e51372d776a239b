"""URLs of the overview pages (mounted by utilities/account_urls.py)."""

urlpatterns = []
