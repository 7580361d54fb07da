"""How a municipality compares with others that build on the same model strategy.

A municipality that takes part (`Municipality.compares`) sees, for each domain and action of its
adopted strategy that comes from a shared model (actions.sharing), its own "x af N" beside the
spread of the other participants' shares: median and quartiles, never a name or a row. It is
shown only where at least COMPARED_FROM municipalities take part with items of that model. The
other municipalities' tallies are read past the municipality scope on purpose, and only as
those figures.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Q, Sum, When

from actions.models import Action, ActionTally
from actions.rollup import Tally
from core import tenancy
from goals.models import Strategy

# Fewer, and a median or quartile could come close to one municipality's own figure.
COMPARED_FROM = 5


@dataclass(frozen=True)
class Spread:
    """The other participants' shares done, in per cent."""

    lower: int
    median: int
    upper: int

    @classmethod
    def of(cls, shares: list[float]) -> "Spread":
        lower, median, upper = statistics.quantiles(shares, n=4, method="inclusive")
        return cls(round(lower), round(median), round(upper))


@dataclass
class Line:
    """A domain or an action: this municipality's tally and the others' spread."""

    text: str
    own: Tally
    spread: Spread | None


@dataclass
class DomainLines:
    domain: Line
    actions: list[Line] = field(default_factory=list)


@dataclass
class Comparison:
    model_title: str
    participants: int
    domains: list[DomainLines]

    @property
    def shown(self) -> bool:
        return self.participants >= COMPARED_FROM


def _model_of(strategy: Strategy) -> Strategy | None:
    """The shared model the strategy builds on: itself when it is shared, else the shared
    strategy its actions were copied from (by this version or an earlier one)."""
    if strategy.shared:
        return strategy
    copied = Action.objects.filter(goal__domain__strategy=strategy, model_item__isnull=False)
    return (
        Strategy.every_municipality.filter(
            shared=True, domains__goals__actions__in=copied.values("model_item")
        )
        .distinct()
        .first()
    )


def comparison_of(strategy: Strategy) -> Comparison | None:
    """The comparison of the municipality's adopted strategy with the other participants';
    None when it builds on no shared model."""
    model = _model_of(strategy)
    if model is None:
        return None
    items = dict(
        Action.every_municipality.filter(
            goal__domain__strategy=model, archived_at=None
        ).values_list("pk", "goal__domain")
    )
    # An action's model item: the model's own action, or the one it was copied from.
    item = Case(
        When(action__in=list(items), then=F("action_id")),
        default=F("action__model_item_id"),
        output_field=IntegerField(),
    )
    tallies = (
        ActionTally.every_municipality.filter(
            action__archived_at=None,
            action__goal__domain__strategy__status=Strategy.Status.ADOPTED,
            action__goal__domain__strategy__municipality__compares=True,
        )
        .filter(Q(action__in=list(items)) | Q(action__model_item__in=list(items)))
        .annotate(item=item, municipality=F("action__goal__domain__strategy__municipality"))
        .values("item", "municipality")
        .annotate(done_sum=Sum("done"), counted_sum=Sum("counted"))
    )
    here = tenancy.current()
    by_item: dict[int, dict[int, Tally]] = defaultdict(dict)
    for row in tallies:
        by_item[row["item"]][row["municipality"]] = Tally(row["done_sum"], row["counted_sum"])
    participants = {municipality for figures in by_item.values() for municipality in figures}
    lines = _lines(strategy, items, by_item, here)
    return Comparison(model_title=model.title, participants=len(participants), domains=lines)


def _spread(figures: dict[int, Tally], here: int) -> Spread | None:
    shares = [
        tally.done / tally.counted * 100
        for municipality, tally in figures.items()
        if municipality != here and tally.counted
    ]
    return Spread.of(shares) if len(shares) >= COMPARED_FROM - 1 else None


def _lines(strategy, items, by_item, here) -> list[DomainLines]:
    """This municipality's domains and actions that come from the model, in its own order."""
    own_actions = (
        Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
        .select_related("goal__domain")
        .order_by("goal__domain__order", "goal__domain", "order", "pk")
    )
    domains: dict[int, DomainLines] = {}
    domain_figures: dict[int, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for action in own_actions:
        key = action.pk if action.pk in items else action.model_item_id
        if key not in items:
            continue  # the municipality's own addition: nothing to compare it with
        figures = by_item.get(key, {})
        domain = action.goal.domain
        if domain.pk not in domains:
            domains[domain.pk] = DomainLines(Line(domain.name, Tally(0, 0), None))
        lines = domains[domain.pk]
        own = figures.get(here, Tally(0, 0))
        lines.actions.append(Line(action.text, own, _spread(figures, here)))
        lines.domain.own = lines.domain.own + own
        for municipality, tally in figures.items():
            domain_figures[domain.pk][municipality] += tally
    for pk, lines in domains.items():
        lines.domain.spread = _spread(domain_figures[pk], here)
    return list(domains.values())
