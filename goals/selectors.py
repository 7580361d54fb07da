from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from actions.models import Action, Progress
from institutions.models import Actor, Institution

from .models import Domain, Goal, Indicator, Measurement, Strategy


@dataclass
class ActionGroup:
    """The actions of one domain for one set of actors, as the strategy prints them."""

    actors: tuple[Actor, ...]
    actions: list[Action] = field(default_factory=list)

    @property
    def label(self) -> str:
        """ "Skole og dagtilbud": later names in lower case, as in running text."""
        first, *rest = [actor.name for actor in self.actors]
        if not rest:
            return first
        *middle, last = [name.lower() for name in rest]
        return _("%(names)s and %(last)s") % {"names": ", ".join([first, *middle]), "last": last}


@dataclass
class DomainSection:
    domain: Domain
    goals: list[Goal]
    groups: list[ActionGroup]
    done: int
    counted: int

    @property
    def anchor(self) -> str:
        return f"domain-{self.domain.pk}"


def with_draft(strategies):
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


def actions_tallied(*, strategy: Strategy, actor_id: int | None = None):
    """Actions of a strategy annotated with `done` and `counted` (relevant rows at active
    institutions, of one actor when given), so "x af N" needs no query per action."""
    rows = Q(progress__institution__is_active=True)
    if actor_id is not None:
        rows &= Q(progress__institution__actor_id=actor_id)
    return Action.objects.filter(goal__domain__strategy=strategy, archived_at=None).annotate(
        done=Count("progress", filter=rows & Q(progress__status=Progress.Status.DONE)),
        counted=Count("progress", filter=rows & ~Q(progress__status=Progress.Status.NOT_RELEVANT)),
    )


def actions_with_progress(*, strategy: Strategy):
    """The strategy's actions with their tallies and actors, in the strategy's order."""
    return (
        actions_tallied(strategy=strategy)
        .prefetch_related(Prefetch("actors", queryset=Actor.objects.order_by("order", "name")))
        .order_by("order", "pk")
    )


def strategy_document(*, strategy: Strategy) -> list[DomainSection]:
    """The strategy's domains with goals and actions grouped by actors, with progress."""
    domains = list(strategy.domains.prefetch_related("goals__principles", "goals__indicators"))
    actions = list(actions_with_progress(strategy=strategy).select_related("goal"))

    children = defaultdict(list)
    for action in actions:
        if action.parent_id:
            children[action.parent_id].append(action)
    by_domain = defaultdict(list)
    for action in actions:
        action.sub_items = children[action.pk]
        by_domain[action.goal.domain_id].append(action)

    sections = []
    for domain in domains:
        groups: dict[tuple[int, ...], ActionGroup] = {}
        for action in by_domain[domain.pk]:
            if action.parent_id:
                continue
            actors = tuple(action.actors.all())
            key = tuple(actor.pk for actor in actors)
            groups.setdefault(key, ActionGroup(actors=actors)).actions.append(action)
        sections.append(
            DomainSection(
                domain=domain,
                goals=list(domain.goals.all()),
                groups=list(groups.values()),
                done=sum(action.done for action in by_domain[domain.pk]),
                counted=sum(action.counted for action in by_domain[domain.pk]),
            )
        )
    return sections


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


def delete_consequences(instance) -> dict[str, int]:
    """What goes with an item: its goals, actions and the institutions' recorded status."""
    if isinstance(instance, Domain):
        actions = Action.objects.filter(goal__domain=instance)
        goals = instance.goals.count()
    elif isinstance(instance, Goal):
        actions, goals = Action.objects.filter(goal=instance), 0
    elif isinstance(instance, Action):
        actions, goals = Action.objects.filter(Q(pk=instance.pk) | Q(parent=instance)), 0
    else:
        return {"goals": 0, "actions": 0, "institutions": 0}
    recorded = Progress.objects.filter(action__in=actions).exclude(
        status=Progress.Status.NOT_STARTED, note=""
    )
    return {
        "goals": goals,
        "actions": actions.count(),
        "institutions": recorded.values("institution").distinct().count(),
    }


@dataclass
class FieldChange:
    label: str
    old: object
    new: object
    is_text: bool


@dataclass
class HistoryEntry:
    record: object
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
            old = getattr(previous, name) if previous else None
            if previous is None or old != new:
                changes.append(
                    FieldChange(model._meta.get_field(name).verbose_name, old, new, name in texts)
                )
        entries.append(HistoryEntry(record=record, changes=changes))
        previous = record
    return list(reversed(entries))
