from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from dashboards import urls as dashboards_urls
from dashboards import urls_kawasan as kawasan_pages_urls
from dashboards import urls_services as services_pages_urls
from dashboards import views as dashboards_views
from exports import urls as exports_urls
from kawasan import urls as kawasan_urls
from sites import urls as sites_urls
from web import views as web_views

urlpatterns = [
    path("", dashboards_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("ping/", web_views.ping, name="ping"),
    path("favicon.ico", web_views.favicon, name="favicon"),
    # Dashboards, rankings, maps, reports and exports keep the namespace they were born in.
    path("", include((dashboards_urls.patterns + exports_urls.patterns, "kaltara"))),
    path("accounts/", include("accounts.urls")),
    path("wilayah/", include("dashboards.urls_regions")),
    path("situs/excel/", include("sites.spreadsheet.urls")),
    # The site writes (sites) and the confirmation pages that show the kawasan scores they
    # reach (dashboards), in one namespace, as for kawasan below.
    path(
        "situs/",
        include((sites_urls.urlpatterns + services_pages_urls.patterns, sites_urls.app_name)),
    ),
    # The kawasan writes (kawasan) and the pages that show their scores (dashboards), in one
    # namespace: the kawasan app may not read scoring, which sits above it.
    path("kawasan/", include((kawasan_urls.patterns + kawasan_pages_urls.patterns, "kawasan"))),
    path("kotak-masuk/", include("notifications.urls")),
    path("audit/", include("audit.urls")),
    path("kebijakan-skor/", include("scoring.urls")),
    # The read API (signed in: session or personal token) and the owner's token pages.
    path("api/v1/", include("api.urls")),
    path("akun/token/", include("api.urls_tokens")),
    # Public, no sign-in (opendata.access): the open directory's files and the HSDS API.
    path("data-terbuka/", include("opendata.urls")),
    path("api/hsds/", include("opendata.urls_hsds")),
    # The language switch; it keeps a signed-in user's choice on the account.
    path("i18n/setlang/", accounts_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
# MEDIA_ROOT is never served as such: uploaded documents, evidence and exports go through
# views that check scope (services:document_download, services:link_evidence,
# kaltara:export_download).

# The portal's own error pages (web/errors.py): in its frame and the request's language, with
# the way back. A database outage is a 503 (with Retry-After), other crashes a 500.
handler400 = "web.errors.bad_request"
handler403 = "web.errors.permission_denied"
handler404 = "web.errors.page_not_found"
handler500 = "web.errors.server_error"
