from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dashboards import urls as dashboards_urls
from dashboards import urls_kawasan as kawasan_pages_urls
from dashboards import views as dashboards_views
from exports import urls as exports_urls
from kawasan import urls as kawasan_urls
from web import views as web_views

urlpatterns = [
    path("", dashboards_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("ping/", web_views.ping, name="ping"),
    # Dashboards, rankings, maps, reports and exports keep the namespace they were born in.
    path("", include((dashboards_urls.patterns + exports_urls.patterns, "kaltara"))),
    path("accounts/", include("accounts.urls")),
    path("wilayah/", include("dashboards.urls_regions")),
    path("situs/excel/", include("sites.spreadsheet.urls")),
    path("situs/", include("sites.urls")),
    # The kawasan writes (kawasan) and the pages that show their scores (dashboards), in one
    # namespace: the kawasan app may not read scoring, which sits above it.
    path("kawasan/", include((kawasan_urls.patterns + kawasan_pages_urls.patterns, "kawasan"))),
    path("kotak-masuk/", include("notifications.urls")),
    path("audit/", include("audit.urls")),
    # The language can be switched on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]
# MEDIA_ROOT is never served as such: uploaded documents, evidence and exports go through
# views that check scope (services:document_download, services:link_evidence,
# kaltara:export_download).

# A database outage shows the portal's own 503 page (with Retry-After), other errors its 500.
handler500 = "web.errors.server_error"
