from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from institutions.models import Institution

from .models import Indicator, Measurement, Strategy


def with_draft(strategies: QuerySet[Strategy]) -> QuerySet[Strategy]:
    """Strategies annotated with `draft_pk`, the draft of their next version if one has
    been started, so the strategy page needs no query of its own for it."""
    drafts = Strategy.objects.filter(previous=OuterRef("pk"), status=Strategy.Status.DRAFT)
    return strategies.annotate(draft_pk=Subquery(drafts.values("pk")[:1]))


def strategy_current() -> Strategy | None:
    """The adopted strategy in force: the newest adopted version."""
    strategies = with_draft(Strategy.objects.filter(status=Strategy.Status.ADOPTED))
    return strategies.order_by("-pk").first()


def strategy_current_or_404() -> Strategy:
    """The strategy in force, for pages that cannot do without one."""
    strategy = strategy_current()
    if strategy is None:
        raise Http404(_("No strategy has been adopted yet."))
    return strategy


def institution_indicators(*, institution: Institution, strategy: Strategy) -> list[Indicator]:
    """The indicators the institution's kind reports, each with the institution's latest
    value (`last_value`, `last_measured_on`). One query."""
    latest = Measurement.objects.filter(indicator=OuterRef("pk"), institution=institution).order_by(
        "-measured_on", "-pk"
    )
    return list(
        Indicator.objects.filter(goal__domain__strategy=strategy, actors=institution.actor_id)
        .select_related("goal__domain")
        .annotate(
            last_value=Subquery(latest.values("value")[:1]),
            last_measured_on=Subquery(latest.values("measured_on")[:1]),
        )
        .order_by("goal__domain__order", "goal__order", "name")
    )


# --- Editing: what a deletion takes with it, and each item's history -------------------------


@dataclass
class FieldChange:
    label: str
    old: object
    new: object
    is_text: bool


@dataclass
class HistoryEntry:
    record: Any  # a historical row of the item
    changes: list[FieldChange]

    @property
    def restorable(self) -> bool:
        return self.record.history_type != "-"


def item_history(*, instance, texts: tuple[str, ...], fields: list[str]) -> list[HistoryEntry]:
    """Every saved version of the item, newest first, with what changed from the one before."""
    model = type(instance)
    # Related fields (an action's goal and parent) come with the records, not one query each.
    related = [name for name in fields if model._meta.get_field(name).many_to_one]
    records = list(
        instance.history.select_related("history_user", *related).order_by(
            "history_date", "history_id"
        )
    )
    entries, previous = [], None
    for record in records:
        changes = []
        for name in fields:
            new = getattr(record, name)
            old: object = getattr(previous, name) if previous else None
            if previous is None or old != new:
                changes.append(
                    FieldChange(model._meta.get_field(name).verbose_name, old, new, name in texts)
                )
        entries.append(HistoryEntry(record=record, changes=changes))
        previous = record
    return list(reversed(entries))
