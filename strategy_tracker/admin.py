from functools import wraps

from django.contrib import admin

from .permissions import mfa_setup_redirect, needs_mfa_setup


class AdminSite(admin.AdminSite):
    """Django admin for superusers, who must have two-factor authentication like consultants."""

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            if self.has_permission(request) and needs_mfa_setup(request):
                return mfa_setup_redirect(request)
            return guarded(request, *args, **kwargs)

        return inner
