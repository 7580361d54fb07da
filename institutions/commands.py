"""Management commands that work on one municipality's data."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from core import tenancy

from .models import Municipality


def municipality_named(slug: str | None) -> int:
    """The municipality with short name `slug`, or with none given the one acted for already
    or the installation's only one; a CommandError that lists the short names otherwise."""
    if slug is None and tenancy.chosen() is not None:
        return tenancy.chosen()  # a command that another command calls
    municipalities = dict(Municipality.objects.order_by("slug").values_list("slug", "pk"))
    if slug is None and len(municipalities) == 1:
        return next(iter(municipalities.values()))
    if slug in municipalities:
        return municipalities[slug]
    raise CommandError(
        _("Name the municipality with --municipality, one of: %(slugs)s.")
        % {"slugs": ", ".join(municipalities) or "–"}
    )


class MunicipalCommand(BaseCommand):
    """A command that acts for the municipality `--municipality` names by its short name, or
    for the installation's only one (core.tenancy). One that may also work without (`shell`
    reading the settings, say) sets `municipality_required` False: with none to be had, it
    acts for none."""

    municipality_required = True

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--municipality",
            metavar="SHORT_NAME",
            help="The municipality to act for; needed where there are several.",
        )
        return parser

    def execute(self, *args, **options):
        slug = options.pop("municipality", None)
        try:
            pk = municipality_named(slug)
        except (CommandError, DatabaseError):
            if self.municipality_required or slug:
                raise
            return super().execute(*args, **options)
        with tenancy.acting_for(pk):
            return super().execute(*args, **options)
