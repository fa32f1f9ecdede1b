from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from . import views

# Dashboards, rankings, maps, exports and reports: the pages composing several apps.
kaltara_patterns = [
    path("dasbor/wilayah/<str:code>/", views.dashboard_area, name="dashboard_area"),
    path("dasbor/sektor/", views.dashboard_sector, name="dashboard_sector"),
    path("provinsi/", views.province, name="province"),
    path("peringkat/", views.ranking_list, name="rankings"),
    path("peringkat/peta/", views.choropleth, name="choropleth"),
    path("peringkat/peta.geojson", views.choropleth_data, name="choropleth_data"),
    path("ekspor/", views.export_list, name="export_list"),
    path("ekspor/peringkat.<str:fmt>", views.export_rankings, name="export_rankings"),
    path("ekspor/wilayah.geojson", views.export_areas, name="export_areas"),
    path("ekspor/<int:pk>/", views.export_detail, name="export_detail"),
    path("ekspor/<int:pk>/status.json", views.export_status, name="export_status"),
    path("ekspor/<int:pk>/unduh/", views.export_download, name="export_download"),
    path("laporan/kawasan/<int:pk>/", views.kawasan_report, name="kawasan_report"),
    path("laporan/wilayah/<str:code>/", views.area_report, name="area_report"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("ping/", views.ping, name="ping"),
    path("", include((kaltara_patterns, "kaltara"))),
    path("accounts/", include("accounts.urls")),
    path("wilayah/", include("regions.urls")),
    path("situs/excel/", include("sites.urls_spreadsheet")),
    path("situs/", include("sites.urls")),
    path("kawasan/", include("kawasan.urls")),
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
handler500 = "kaltara.errors.server_error"
