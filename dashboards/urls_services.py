from django.urls import path

from . import site_previews as views

# In the "services" namespace (kaltara/urls.py), with sites.urls: the confirmation pages of
# the site edits that reach kawasan scores read scores, so they live above scoring; the
# writes they confirm stay in sites.
patterns = [
    path("<int:pk>/hubungkan/pratinjau/", views.link_create_preview, name="link_create_preview"),
    path("tautan/<int:pk>/akhiri/pratinjau/", views.link_end_preview, name="link_end_preview"),
    path("<int:pk>/tutup/pratinjau/", views.site_close_preview, name="site_close_preview"),
]
