from django.urls import path

from . import views

app_name = "kawasan"

urlpatterns = [
    path("", views.kawasan_list, name="list"),
    path("baru/", views.kawasan_create, name="create"),
    path("<int:pk>/", views.kawasan_detail, name="detail"),
    path("<int:pk>/ubah/", views.kawasan_edit, name="edit"),
    path("<int:pk>/anggota/tambah/", views.kawasan_member_add, name="member_add"),
    path(
        "<int:pk>/anggota/<int:site_pk>/hapus/",
        views.kawasan_member_remove,
        name="member_remove",
    ),
]
