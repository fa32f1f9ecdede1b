from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("baru/", views.policy_create, name="policy_create"),
    path("<int:pk>/ubah/", views.policy_edit, name="policy_edit"),
    path("<int:pk>/pratinjau/", views.policy_preview_page, name="policy_preview"),
    path("<int:pk>/aktifkan/", views.policy_activate, name="policy_activate"),
]
