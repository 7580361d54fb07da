from django.core.management.commands import shell

from institutions.commands import MunicipalCommand


class Command(MunicipalCommand, shell.Command):
    """Django's shell, acting for a municipality (`--municipality`, or the installation's only
    one), so its queries read that municipality's rows (core.tenancy); with none to be had (no
    database yet, or several and none named), for none."""

    municipality_required = False
