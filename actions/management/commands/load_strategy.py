import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from actions.models import Action
from actions.services import strategy_create_from_document
from goals.models import Goal, Strategy
from institutions.commands import MunicipalCommand


class Command(MunicipalCommand):
    help = "Load a strategy from a JSON document such as fixtures/strategy_mariagerfjord.json."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        existing = Strategy.objects.filter(
            title=document.get("title"), municipality_name=document.get("municipality_name")
        ).first()
        if existing:
            self.stdout.write(f"Strategy already loaded: {existing} (id {existing.pk}).")
            return
        try:
            strategy = strategy_create_from_document(document=document)
        except (KeyError, IndexError, TypeError, ValidationError) as error:
            raise CommandError(f"{path} is not a strategy document: {error!r}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {strategy}: {strategy.domains.count()} domains, "
                f"{Goal.objects.filter(domain__strategy=strategy).count()} goals, "
                f"{Action.objects.filter(goal__domain__strategy=strategy).count()} actions."
            )
        )
