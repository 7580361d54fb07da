from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StrategyTrackerConfig(AppConfig):
    default = True
    name = "strategy_tracker"

    def ready(self):
        from . import middleware  # noqa: F401 - connects the sign-in signal


class AdminConfig(admin_apps.AdminConfig):
    """Django admin with our AdminSite (two-factor rule)."""

    default = False
    default_site = "strategy_tracker.admin.AdminSite"
