"""URLs of the consumption pages (mounted by utilities/account_urls.py)."""

urlpatterns = []
