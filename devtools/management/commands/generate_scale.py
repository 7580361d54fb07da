import time

from django.core.management.base import CommandError

from core import tenancy
from devtools.scale import scale_create, scale_municipalities, scale_tidy, scale_vacuum
from goals.selectors import strategy_current
from institutions.commands import MunicipalCommand


class Command(MunicipalCommand):
    help = (
        "Add Copenhagen-scale data to the strategy in force, for measuring: institutions, goals, "
        "actions, years of progress history and handleplaner. Run load_strategy first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--institutions", type=int, default=600)
        parser.add_argument("--goals", type=int, default=60)
        parser.add_argument("--actions", type=int, default=300)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--municipalities",
            type=int,
            default=1,
            help="Add municipalities beside this one up to this many, each on its own host "
            "name with the shipped strategy, and give each the same data (e.g. 98 with "
            "--institutions 45: a national installation).",
        )

    def handle(self, *args, **options):
        strategy = strategy_current()
        if strategy is None:
            raise CommandError("No strategy is in force; run load_strategy first.")
        if options["institutions"] < 1 or options["years"] < 1 or options["municipalities"] < 1:
            raise CommandError("--institutions, --years and --municipalities must be at least 1.")
        started = time.monotonic()
        summary = self._create(strategy, options, tidy=options["municipalities"] == 1)
        if options["municipalities"] > 1:
            for pk in scale_municipalities(options["municipalities"] - 1):
                with tenancy.acting_for(pk):
                    self._create(strategy_current(), options, tidy=False)
            scale_tidy()
            self.stdout.write(f"Made {options['municipalities'] - 1} more municipalities alike.")
        scale_vacuum()
        self.stdout.write(
            self.style.SUCCESS(
                f"Made {summary.institutions} institutions; the strategy now has "
                f"{summary.goals} goals and {summary.actions} actions; "
                f"{summary.progress_rows} progress rows with {summary.history_rows} history "
                f"records; {summary.plan_items} handleplan items "
                f"({time.monotonic() - started:.1f} s)."
            )
        )

    @staticmethod
    def _create(strategy, options, *, tidy: bool):
        return scale_create(
            strategy=strategy,
            institutions=options["institutions"],
            goals=options["goals"],
            actions=options["actions"],
            years=options["years"],
            seed=options["seed"],
            tidy=tidy,
        )
