from django.urls import path

from . import views

# In the "kawasan" namespace (kaltara/urls.py), with the pages that show scores and previews
# (dashboards.urls_kawasan: detail, member_add_preview, member_remove_preview, hub_preview).
patterns = [
    path("", views.kawasan_list, name="list"),
    path("baru/", views.kawasan_create, name="create"),
    path("<int:pk>/ubah/", views.kawasan_edit, name="edit"),
    path("<int:pk>/anggota/tambah/", views.kawasan_member_add, name="member_add"),
    path(
        "<int:pk>/anggota/<int:site_pk>/hapus/",
        views.kawasan_member_remove,
        name="member_remove",
    ),
    path("<int:pk>/anggota/urungkan/", views.kawasan_member_undo, name="member_undo"),
]
