from django.core.management.commands import dumpdata

from institutions.commands import MunicipalCommand


class Command(MunicipalCommand, dumpdata.Command):
    """Django's dumpdata, acting for a municipality (`--municipality`, or the installation's
    only one): its rows only, through the managers (`--all` reads past them)."""
