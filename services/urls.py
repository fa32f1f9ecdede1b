from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("peta/", views.site_map, name="site_map"),
    path("peta.geojson", views.site_map_data, name="site_map_data"),
    path("baru/", views.site_create, name="site_create"),
    path("<int:pk>/", views.site_detail, name="site_detail"),
    path("<int:pk>/ubah/", views.site_edit, name="site_edit"),
    path("<int:pk>/tutup/", views.site_close, name="site_close"),
    path("<int:pk>/dokumen/", views.site_document_add, name="site_document_add"),
    path("<int:pk>/hubungkan/", views.link_create, name="link_create"),
    path("tautan/<int:pk>/akhiri/", views.link_end, name="link_end"),
]
