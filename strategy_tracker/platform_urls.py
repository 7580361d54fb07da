"""The platform's host (PLATFORM_HOST): its operators' pages, and nothing of a municipality's."""

from django.urls import path

from administration import platform_views

urlpatterns = [
    path("", platform_views.platform_home, name="platform_home"),
    path("log-ind/", platform_views.platform_sign_in, name="platform_sign_in"),
    path("log-ud/", platform_views.platform_sign_out, name="platform_sign_out"),
    path(
        "kommuner/ny/", platform_views.platform_municipality_new, name="platform_municipality_new"
    ),
    path(
        "kommuner/<slug:slug>/fjern/",
        platform_views.platform_municipality_remove,
        name="platform_municipality_remove",
    ),
]

handler404 = "administration.platform_views.platform_not_found"
