"""URLs of the consumption pages (mounted by utilities/account_urls.py at /account/utilities/meters/)."""

from django.urls import path

from . import consumption_views

urlpatterns = [
    path("<int:pk>/", consumption_views.meter, name="meter"),
    path("<int:pk>/consumption.csv", consumption_views.meter_csv, name="meter_csv"),
    path("medium/<str:medium>/", consumption_views.medium, name="medium"),
]
