"""Root URL configuration: login for apps, admin, auth, account, search, then Wagtail's page tree."""

from allauth.account.decorators import secure_admin_login
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import health
from home import views as home_views
from integrations.api.problems import not_found_view as api_not_found

admin.site.login = secure_admin_login(admin.site.login)
admin.autodiscover()

urlpatterns = [
    # The OpenID Connect provider (/.well-known/openid-configuration, /identity/o/…) and the headless API for apps
    # (/_allauth/app/v1/…): addresses that apps keep, so the same in every language.
    path("", include("allauth.idp.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/setlang/", set_language, name="set_language"),
    # Load balancers probe this address without a language prefix.
    path("healthz", health.healthz, name="healthz"),
    path("api/v1/", include("integrations.api.urls")),
    path("schools/", include("schools.urls")),
    re_path(r"^api/", api_not_found),
]

urlpatterns += i18n_patterns(
    path("auth/", include("allauth.urls")),
    path("account/cases/", include("services.urls")),
    path("account/payments/", include("services.payment_urls")),
    path("account/parking/", include("services.parking_urls")),
    path("account/certificates/", include("services.certificate_urls")),
    path("account/tax/", include("services.tax_urls")),
    path("account/documents/", include("services.document_urls")),
    path("account/school/", include("schools.account_urls")),
    path("account/utilities/", include("utilities.account_urls")),
    path("verify/", include("services.verify_urls")),
    path("account/", include("account.urls")),
    path("search/", home_views.search, name="search"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# An e-ID provider knows one redirect URI: the callback of a login has no language prefix. Requests to it are served
# by the pattern above already; listed last, this one is what reverse() returns (account/eid.py restores the language).
urlpatterns += [
    path("auth/oidc/<str:provider_id>/login/callback/", oidc_views.callback, name="openid_connect_callback"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns = (
        staticfiles_urlpatterns() + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
    )

handler404 = "home.views.page_not_found"
handler500 = "home.views.server_error"
