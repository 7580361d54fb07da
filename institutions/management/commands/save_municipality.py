from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from institutions.models import Municipality
from institutions.services import municipality_add, municipality_save


class Command(BaseCommand):
    help = (
        "Add a municipality to the installation, answering on its own host name, or change an "
        "existing one's name or host name. Then `start_municipality --municipality SLUG` "
        "invites its first consultant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True, help='its short name, e.g. "viborg"')
        parser.add_argument("--name", help='e.g. "Viborg Kommune"')
        parser.add_argument("--host", help='e.g. "viborg.strategi.dk"')

    def handle(self, *args, slug: str, name: str | None, host: str | None, **options):
        municipality = Municipality.objects.filter(slug=slug).first()
        with translation.override("da"):
            try:
                if municipality is None:
                    municipality = municipality_add(
                        municipality=Municipality(slug=slug, name=name or "", host=host or "")
                    )
                    self.stdout.write(f"Added {municipality} ({slug}) on {municipality.host}.")
                    return
                municipality.name = name or municipality.name
                municipality.host = municipality.host if host is None else host
                municipality_save(municipality=municipality)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"Saved {municipality} ({slug}) on {municipality.host or 'any host'}.")
