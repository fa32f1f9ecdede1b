from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("kamus-data.json", views.dictionary, name="dictionary"),
    path("<slug:slug>.<str:fmt>", views.download, name="download"),
]
