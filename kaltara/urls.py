from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from django.views.static import serve

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("wilayah/", include("regions.urls")),
    path("situs/excel/", include("services.urls_spreadsheet")),
    path("situs/", include("services.urls")),
    path("kawasan/", include("kawasan.urls")),
    # The language can be switched on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [
        path(f"{settings.MEDIA_URL}<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]
