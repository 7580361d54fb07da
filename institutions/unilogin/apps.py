from django.apps import AppConfig


class UniloginConfig(AppConfig):
    """Unilogin as an allauth provider (allauth finds providers in installed apps)."""

    name = "institutions.unilogin"
    label = "unilogin"
    verbose_name = "Unilogin"
