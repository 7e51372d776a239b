"""URLs of the report pages (mounted by utilities/account_urls.py)."""

urlpatterns = []
