"""Energy and water in the account (/account/utilities/…): the overview, then consumption, readings, invoices.

URL names live in the `utilities` namespace.
"""

from django.urls import include, path

from . import consumption_urls, overview_urls, report_urls

app_name = "utilities"

urlpatterns = [
    path("", include(overview_urls.urlpatterns)),
    path("meters/", include(consumption_urls.urlpatterns)),
    path("readings/", include(report_urls.urlpatterns)),
]
