import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from actions.models import Action
from actions.services import progress_sync
from institutions.models import Actor, Institution

from .models import Aim, Domain, Goal, Indicator, Measurement, Principle, Strategy

STRATEGY_TEXT_FIELDS = [
    "title",
    "subtitle",
    "municipality",
    "introduction",
    "purpose",
    "vision",
    "aims_introduction",
    "foundation",
    "framework",
    "principles_introduction",
    "follow_up",
    "goals_introduction",
    "approved_by",
    "revision_interval_years",
]


@transaction.atomic
def strategy_create_from_document(
    *, document: dict[str, Any], status: str = Strategy.Status.ADOPTED
) -> Strategy:
    """Create a strategy with its domains, goals and actions from a nested document.

    The document mirrors the printed strategy: each domain lists its goals, then its actions
    under actor headings ("Forvaltning", "Skole og dagtilbud"); an action's `goal` is the
    1-based number of the domain's goal it serves, and its `children` are its sub-items.
    """
    actors = {actor.code: actor for actor in Actor.objects.all()}
    strategy = Strategy(
        status=status,
        **{field: document[field] for field in STRATEGY_TEXT_FIELDS if field in document},
    )
    strategy.full_clean()
    strategy.save()
    Aim.objects.bulk_create(
        Aim(strategy=strategy, order=number, text=text)
        for number, text in enumerate(document.get("aims", []), start=1)
    )
    Principle.objects.bulk_create(
        Principle(strategy=strategy, order=number, text=text)
        for number, text in enumerate(document.get("principles", []), start=1)
    )
    for domain_number, domain_doc in enumerate(document["domains"], start=1):
        domain = Domain.objects.create(
            strategy=strategy,
            name=domain_doc["name"],
            order=domain_number,
            introduction=domain_doc.get("introduction", ""),
        )
        goals = [
            Goal.objects.create(domain=domain, order=number, text=text)
            for number, text in enumerate(domain_doc["goals"], start=1)
        ]
        order = 0
        for group in domain_doc["action_groups"]:
            group_actors = [actors[code] for code in group["actors"]]
            for action_doc in group["actions"]:
                order += 1
                goal = goals[action_doc["goal"] - 1]
                action = Action.objects.create(goal=goal, order=order, text=action_doc["text"])
                action.actors.set(group_actors)
                for child_number, child_text in enumerate(action_doc.get("children", []), start=1):
                    child = Action.objects.create(
                        goal=goal, parent=action, order=child_number, text=child_text
                    )
                    child.actors.set(group_actors)
    progress_sync(
        action_ids=Action.objects.filter(goal__domain__strategy=strategy).values_list(
            "pk", flat=True
        )
    )
    return strategy


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, institution: Institution, value: Decimal, measured_on: dt.date, by
) -> Measurement:
    """An institution reports an indicator's value as of a date."""
    measurement = Measurement(
        indicator=indicator,
        institution=institution,
        value=value,
        measured_on=measured_on,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    measurement.full_clean()
    measurement.save()
    return measurement
