from django.urls import path

from . import views

# In the "kaltara" namespace with the dashboards' patterns (kaltara/urls.py).
patterns = [
    path("ekspor/", views.export_list, name="export_list"),
    path("ekspor/peringkat.<str:fmt>", views.export_rankings, name="export_rankings"),
    path("ekspor/wilayah.geojson", views.export_areas, name="export_areas"),
    path("ekspor/<int:pk>/", views.export_detail, name="export_detail"),
    path("ekspor/<int:pk>/status.json", views.export_status, name="export_status"),
    path("ekspor/<int:pk>/unduh/", views.export_download, name="export_download"),
]
