from django.core.management.base import CommandError

from actions.tallies import FIELDS, tallies_differences, tallies_recount
from institutions.commands import MunicipalCommand


class Command(MunicipalCommand):
    help = (
        "Count every action's and institution's tallies from the progress rows, report where "
        "the stored ones differ, and store the counts (with --check: only report, and fail on "
        "a difference)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report only; change nothing.")

    def handle(self, *args, check: bool, **options):
        differences = tallies_differences()
        for model, key, stored, counted in differences:
            self.stdout.write(
                f"{model} {key}: stored {self._numbers(stored)}, counted {self._numbers(counted)}"
            )
        self.stdout.write(f"{len(differences)} tallies differ from the rows.")
        if check:
            if differences:
                raise CommandError("The stored tallies differ from the rows.")
            return
        if differences:
            self.stdout.write(f"Recounted: {tallies_recount()} tallies stored anew.")

    @staticmethod
    def _numbers(numbers) -> str:
        if numbers is None:
            return "none"
        return ", ".join(f"{name} {value}" for name, value in zip(FIELDS, numbers, strict=True))
