from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView, TemplateView

from goals import views as goal_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="strategy"), name="home"),
    path("strategi/", goal_views.strategy_detail, name="strategy"),
    path("strategi/<int:pk>/", goal_views.strategy_detail, name="strategy_version"),
    path(
        "tilgaengelighed/",
        login_not_required(TemplateView.as_view(template_name="accessibility.html")),
        name="accessibility",
    ),
    path("konto/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
