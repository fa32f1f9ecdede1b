from django.urls import path

from . import views
from .review import views as review_views

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
    # Uploaded files are only served through these scoped views (MEDIA_ROOT is not public).
    path("dokumen/<int:pk>/", views.document_download, name="document_download"),
    path("tautan/<int:pk>/bukti/", views.link_evidence, name="link_evidence"),
    # Review workflow (sites/review/)
    path("<int:pk>/daftar-periksa/", review_views.checklist_edit, name="checklist_edit"),
    path("<int:pk>/ajukan/", review_views.site_submit, name="site_submit"),
    path(
        "<int:pk>/minta-verifikasi-ulang/",
        review_views.site_reverify_request,
        name="site_reverify_request",
    ),
    path("<int:pk>/tinjau/", review_views.site_review, name="site_review"),
    path("<int:pk>/verifikasi/", review_views.site_verify, name="site_verify"),
    path("<int:pk>/kembalikan/", review_views.site_return, name="site_return"),
    path("<int:pk>/verifikasi-ulang/", review_views.site_reverify, name="site_reverify"),
    path("tinjauan/", review_views.review_queue, name="review_queue"),
    path("tinjauan/verifikasi-massal/", review_views.review_bulk_verify, name="review_bulk_verify"),
    path("tinjauan/kedaluwarsa/", review_views.review_stale, name="review_stale"),
    path("perubahan/<int:pk>/", review_views.pending_change_detail, name="pending_change"),
    path(
        "perubahan/<int:pk>/setujui/",
        review_views.pending_change_approve,
        name="pending_change_approve",
    ),
    path(
        "perubahan/<int:pk>/kembalikan/",
        review_views.pending_change_return,
        name="pending_change_return",
    ),
]
