from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import mfa_setup_redirect, needs_mfa_setup


class AdminSite(admin.AdminSite):
    """Django admin for superusers, who must have two-factor authentication like consultants."""

    def login(self, request, extra_context=None):
        """Sign-in goes through allauth (rate limits, two-factor), never admin's own form."""
        if self.has_permission(request):
            return redirect(request.GET.get("next") or reverse("admin:index"))
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), reverse("account_login")
        )

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if self.has_permission(request) and needs_mfa_setup(request):
                return mfa_setup_redirect(request)
            return guarded(request, *args, **kwargs)

        return inner
