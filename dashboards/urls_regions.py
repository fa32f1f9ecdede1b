from django.urls import path

from . import regions as views

app_name = "regions"

urlpatterns = [
    path("", views.region_root, name="root"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/batas.geojson", views.region_boundary, name="boundary"),
]
