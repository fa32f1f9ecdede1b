from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/buka/", views.notification_open, name="open"),
    path("baca-semua/", views.notifications_read_all, name="read_all"),
]
