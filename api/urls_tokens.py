"""/akun/token/: the owner's pages of personal API tokens (namespace "tokens")."""

from django.urls import path

from . import token_views

app_name = "tokens"

urlpatterns = [
    path("", token_views.token_list, name="list"),
    path("<int:pk>/cabut/", token_views.token_revoke, name="revoke"),
]
