from django.core.management.base import BaseCommand, CommandError

from administration.removal import LastMunicipality, municipality_remove
from institutions.models import Municipality


class Command(BaseCommand):
    help = (
        "Remove a municipality that leaves, with everything it owns, and print what went. Its "
        "consultants should download all its data first (the data export)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, metavar="SHORT_NAME")
        parser.add_argument("--yes", action="store_true", help="Confirm: this cannot be undone.")

    def handle(self, *args, municipality: str, yes: bool, **options):
        leaving = Municipality.objects.filter(slug=municipality).first()
        if leaving is None:
            raise CommandError(f"No municipality has the short name {municipality!r}.")
        if not yes:
            raise CommandError(f"Add --yes to remove {leaving} and everything it owns.")
        name = str(leaving)
        try:
            removed = municipality_remove(municipality=leaving)
        except LastMunicipality as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Removed {name}:")
        for label, count in sorted(removed.items()):
            self.stdout.write(f"  {label:40} {count:>10,}")
