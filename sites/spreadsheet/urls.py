from django.urls import path

from . import views

app_name = "spreadsheet"

urlpatterns = [
    path("unduh.xlsx", views.spreadsheet_export, name="export"),
    path("unggah/", views.spreadsheet_upload, name="upload"),
    path("konfirmasi/<uuid:token>/", views.spreadsheet_confirm, name="confirm"),
]
