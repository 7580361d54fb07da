import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actions.models import Action
from actions.services import progress_sync
from institutions.models import Actor, Institution
from strategy_tracker import fragments

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


# --- Editing in the browser ---------------------------------------------------------------


class EditConflict(Exception):
    """Someone saved the item after the person opened it; `current` is what they saved."""

    def __init__(self, current):
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")
        self.current = current


def _claim_version(instance, expected_version: int) -> None:
    """Move the stored version on by one, only if it is still the one the person started
    from: a single conditional UPDATE, so two saves cannot both win."""
    model = type(instance)
    claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise EditConflict(model.objects.get(pk=instance.pk))
    instance.version = expected_version + 1


def _next_order(instance, siblings: tuple[str, ...]) -> int:
    if not siblings:
        return 0
    group = type(instance).objects.filter(**{f: getattr(instance, f) for f in siblings})
    return (group.aggregate(last=Max("order"))["last"] or 0) + 1


@transaction.atomic
def item_save(*, form, siblings: tuple[str, ...], expected_version: int | None, by):
    """Save an edit form: a new item goes last among its siblings; a changed one only if
    nobody saved it since `expected_version`. History records the person."""
    instance = form.instance
    created = instance.pk is None
    if created:
        if hasattr(instance, "order"):
            instance.order = _next_order(instance, siblings)
    else:
        _claim_version(instance, expected_version)
    instance._history_user = by
    instance = form.save()
    if isinstance(instance, Action):
        progress_sync(action_ids=[instance.pk])
    return instance


@transaction.atomic
def item_move(*, instance, siblings: tuple[str, ...], step: int) -> None:
    """Move an item one place up (-1) or down (+1) among its siblings."""
    model = type(instance)
    group = list(
        model.objects.select_for_update()
        .filter(**{f: getattr(instance, f) for f in siblings})
        .order_by("order", "pk")
    )
    position = next(n for n, item in enumerate(group) if item.pk == instance.pk)
    other = position + step
    if not 0 <= other < len(group):
        return
    group[position], group[other] = group[other], group[position]
    for order, item in enumerate(group):
        if item.order != order:
            model.objects.filter(pk=item.pk).update(order=order)
    fragments.changed(fragments.STRATEGY)


@transaction.atomic
def item_delete(*, instance, by) -> None:
    """Delete an item and what it contains; their history stays."""
    instance._history_user = by
    instance.delete()


@transaction.atomic
def action_archive(*, action: Action, by) -> Action:
    """Take an action (and its sub-items) out of use, keeping its progress and history."""
    now = timezone.now()
    for item in Action.objects.filter(Q(pk=action.pk) | Q(parent=action), archived_at=None):
        item.archived_at = now
        item.version += 1
        item._history_user = by
        item._change_reason = _("Archived")
        item.save()
    return action


@transaction.atomic
def item_restore(*, instance, record, fields: list[str], expected_version: int, by):
    """Put an earlier version's values back, as a new change of its own."""
    _claim_version(instance, expected_version)
    for name in fields:
        setattr(instance, name, getattr(record, name))
    instance._history_user = by
    instance._change_reason = _("Restored the version of %(when)s") % {
        "when": date_format(timezone.localtime(record.history_date), "j. F Y H:i")
    }
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def strategy_create(*, form, by) -> Strategy:
    """A new, empty strategy. The first one is in force at once; later versions start as
    drafts."""
    strategy = form.instance
    if Strategy.objects.filter(status=Strategy.Status.ADOPTED).exists():
        strategy.status = Strategy.Status.DRAFT
    else:
        strategy.status = Strategy.Status.ADOPTED
    strategy._history_user = by
    return form.save()
