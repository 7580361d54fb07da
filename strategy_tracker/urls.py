from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView, TemplateView

from goals import views as goal_views
from institutions.forms import LoginForm

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="strategy"), name="home"),
    path("strategi/", goal_views.strategy_detail, name="strategy"),
    path("strategi/<int:pk>/", goal_views.strategy_detail, name="strategy_version"),
    path(
        "tilgaengelighed/",
        login_not_required(TemplateView.as_view(template_name="accessibility.html")),
        name="accessibility",
    ),
    path(
        "konto/log-ind/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("konto/log-ud/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
