"""/api/v1/: the read API (namespace "api")."""

from django.urls import path

from . import views

app_name = "api"

router = views.Router(use_regex_path=False)
router.register("sites", views.SiteViewSet, basename="site")
router.register("kawasan", views.KawasanViewSet, basename="kawasan")
router.register("scores", views.ScoreViewSet, basename="score")
router.register("regions", views.RegionViewSet, basename="region")

urlpatterns = [
    path("rankings/", views.RankingView.as_view(), name="ranking-list"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    *router.urls,
]
