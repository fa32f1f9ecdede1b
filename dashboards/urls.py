from django.urls import path

from . import views

# In the "kaltara" namespace (kaltara/urls.py), with the exports' patterns: their names
# (kaltara:rankings, kaltara:dashboard_area, ...) are the ones every template reverses.
patterns = [
    path("dasbor/wilayah/<str:code>/", views.dashboard_area, name="dashboard_area"),
    path("dasbor/sektor/", views.dashboard_sector, name="dashboard_sector"),
    path("provinsi/", views.province, name="province"),
    path("peringkat/", views.ranking_list, name="rankings"),
    path("peringkat/peta/", views.choropleth, name="choropleth"),
    path("peringkat/peta.geojson", views.choropleth_data, name="choropleth_data"),
    path("laporan/kawasan/<int:pk>/", views.kawasan_report, name="kawasan_report"),
    path("laporan/wilayah/<str:code>/", views.area_report, name="area_report"),
]
