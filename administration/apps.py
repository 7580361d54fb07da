from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The consultants' administration: institutions, people, spreadsheets in and out and the
    municipality's data export. It has no models of its own."""

    name = "administration"
    verbose_name = _("Administration")
