from django.urls import path

from . import kawasan_pages as views

# In the "kawasan" namespace (kaltara/urls.py), with kawasan.urls: the kawasan page and the
# previews read scores, so they live above scoring; the writes they confirm stay in kawasan.
patterns = [
    path("<int:pk>/", views.kawasan_detail, name="detail"),
    path(
        "<int:pk>/anggota/tambah/pratinjau/",
        views.kawasan_member_add_preview,
        name="member_add_preview",
    ),
    path(
        "<int:pk>/anggota/<int:site_pk>/hapus/pratinjau/",
        views.kawasan_member_remove_preview,
        name="member_remove_preview",
    ),
    path("<int:pk>/pusat/pratinjau/", views.kawasan_hub_preview, name="hub_preview"),
    # A next step "add a site of this type near the hub": existing sites nearby, a new one.
    path("<int:pk>/tambah-jenis/", views.kawasan_add_type, name="add_type"),
]
