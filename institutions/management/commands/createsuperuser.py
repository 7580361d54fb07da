from django.contrib.auth.management.commands import createsuperuser

from institutions.commands import MunicipalCommand


class Command(MunicipalCommand, createsuperuser.Command):
    """Django's createsuperuser, for a municipality: the superuser is one of its people
    (`--municipality`, or the installation's only one), as every person is (MunicipalRole)."""
