from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from actions.tallies import tallies_recount
from core import fragments
from institutions.permissions import mfa_setup_redirect, needs_mfa_setup


class AdminSite(admin.AdminSite):
    """Django admin for superusers, who must have two-factor authentication like consultants."""

    def login(self, request, extra_context=None):
        """Sign-in goes through allauth (rate limits, two-factor), never admin's own form."""
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index")  # never on to another site
        if self.has_permission(request):
            return redirect(target)
        return redirect_to_login(target, reverse("account_login"))

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if self.has_permission(request) and needs_mfa_setup(request):
                return mfa_setup_redirect(request)
            response = guarded(request, *args, **kwargs)
            if request.method == "POST":
                # Admin can change anything the cached page parts show and the stored
                # tallies count: retire them all, and count again.
                tallies_recount()
                fragments.changed(*fragments.KINDS)
            return response

        return inner
