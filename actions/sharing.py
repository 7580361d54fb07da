"""Model strategies shared between municipalities.

A municipality's consultants publish one of its strategies as a model; another municipality's
consultants copy it as a draft of their own, each copied item linked (`origin`) to the model's
item it came from, then edit and adopt it as any draft (actions.revision). The model is read
while acting for its own municipality (core.tenancy); the copy is written for the one acting.
Kinds of institution are matched by code, and a kind the copying municipality lacks is added.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils.translation import gettext as _

from core import fragments, tenancy
from core.history import history_note
from goals.models import Aim, Domain, Goal, Indicator, Principle, Strategy
from institutions.models import Actor
from institutions.selectors import municipality_current

from .models import Action
from .revision import copy_item
from .services import STRATEGY_TEXT_FIELDS


@dataclass(frozen=True)
class ModelStrategy:
    """A strategy another municipality shares, as the list of models shows it."""

    pk: int
    title: str
    municipality: str
    period_start: object
    period_end: object
    goals: int


@transaction.atomic
def strategy_share(*, strategy: Strategy, shared: bool, by) -> Strategy:
    """Publish the strategy as a model for other municipalities, or withdraw it. A draft is
    not shared: what others copy is a strategy a committee has adopted."""
    strategy = Strategy.objects.select_for_update().get(pk=strategy.pk)
    if shared and strategy.is_draft:
        raise ValidationError(_("Only an adopted or archived strategy can be shared."))
    strategy.shared = shared
    strategy.version += 1
    history_note(strategy, by=by)
    strategy.save()
    return strategy


def shared_strategies() -> QuerySet:
    """Every municipality's shared strategies, read past the municipality scope on purpose:
    they are published for every municipality."""
    return Strategy.every_municipality.filter(shared=True)


def model_strategies() -> list[ModelStrategy]:
    """The strategies other municipalities share, newest first: titles and names only, read
    past the municipality scope on purpose (they are published for every municipality)."""
    shared = (
        shared_strategies()
        .exclude(municipality=tenancy.current())
        .annotate(goals=Count("domains__goals"), municipality_of=F("municipality__name"))
        .order_by("-period_start", "-pk")
    )
    return [
        ModelStrategy(
            pk=strategy.pk,
            title=strategy.title,
            municipality=strategy.municipality_of,
            period_start=strategy.period_start,
            period_end=strategy.period_end,
            goals=strategy.goals,
        )
        for strategy in shared
    ]


@dataclass
class _Model:
    """A model strategy's items, read for its own municipality."""

    strategy: Strategy
    aims: list
    principles: list
    domains: list
    goals: list  # (goal, its principles' keys)
    actions: list  # (action, its kinds' codes), parents before their children
    indicators: list  # (indicator, its kinds' codes)
    kinds: dict  # code → name


def _read_model(pk: int) -> _Model:
    strategy = shared_strategies().filter(pk=pk).first()
    if strategy is None:
        raise ValidationError(_("This model strategy is no longer shared."))
    with tenancy.acting_for(strategy.municipality_id):
        goals = Goal.objects.filter(domain__strategy=strategy).prefetch_related("principles")
        actions = (
            Action.objects.filter(goal__domain__strategy=strategy, archived_at=None)
            .prefetch_related("actors")
            .order_by(F("parent").asc(nulls_first=True), "pk")
        )
        indicators = Indicator.objects.filter(goal__domain__strategy=strategy)
        return _Model(
            strategy=strategy,
            aims=list(Aim.objects.filter(strategy=strategy)),
            principles=list(Principle.objects.filter(strategy=strategy)),
            domains=list(Domain.objects.filter(strategy=strategy)),
            goals=[(goal, [p.pk for p in goal.principles.all()]) for goal in goals],
            actions=[(action, [a.code for a in action.actors.all()]) for action in actions],
            indicators=[
                (indicator, [a.code for a in indicator.actors.all()])
                for indicator in indicators.prefetch_related("actors")
            ],
            kinds=dict(Actor.objects.values_list("code", "name")),
        )


def _kinds_here(model: _Model) -> dict[str, Actor]:
    """This municipality's kinds by code; a kind the model names and this one lacks is added."""
    kinds = {actor.code: actor for actor in Actor.objects.all()}
    used = {code for _item, codes in model.actions + model.indicators for code in codes}
    order = len(kinds)
    for code in sorted(used - set(kinds)):
        order += 1
        kinds[code] = Actor.objects.create(code=code, name=model.kinds[code], order=order)
    return kinds


@transaction.atomic
def strategy_copy_model(*, model_pk: int, by) -> Strategy:
    """Copy another municipality's model strategy as a draft of this one's, every item linked
    to the model's (`origin`); named institutions and progress stay with the model."""
    model = _read_model(model_pk)
    kinds = _kinds_here(model)
    source = model.strategy
    draft = Strategy(
        **{name: getattr(source, name) for name in STRATEGY_TEXT_FIELDS},
        period_start=source.period_start,
        period_end=source.period_end,
        status=Strategy.Status.DRAFT,
    )
    draft.municipality_name = municipality_current().name
    history_note(draft, by=by, reason=_("Copied from %(title)s") % {"title": source.title})
    draft.full_clean()
    draft.save()
    for aim in model.aims:
        copy_item(aim, by=by, strategy=draft, origin_id=aim.pk)
    principles = {
        principle.pk: copy_item(principle, by=by, strategy=draft, origin_id=principle.pk)
        for principle in model.principles
    }
    domains = {
        domain.pk: copy_item(domain, by=by, strategy=draft, origin_id=domain.pk)
        for domain in model.domains
    }
    goals = {}
    for goal, principle_pks in model.goals:
        old_pk = goal.pk
        goals[old_pk] = copy_item(goal, by=by, domain=domains[goal.domain_id], origin_id=old_pk)
        goals[old_pk].principles.set([principles[pk] for pk in principle_pks])
    copies: dict[int, Action] = {}
    for action, codes in model.actions:
        old_pk = action.pk
        copies[old_pk] = copy_item(
            action,
            by=by,
            goal=goals[action.goal_id],
            parent=copies.get(action.parent_id),
            origin_id=old_pk,
            model_item_id=old_pk,
            carry_over="",
        )
        copies[old_pk].actors.set([kinds[code] for code in codes])
    for indicator, codes in model.indicators:
        copy = copy_item(indicator, by=by, goal=goals[indicator.goal_id], origin_id=indicator.pk)
        copy.actors.set([kinds[code] for code in codes])
    fragments.changed(fragments.STRATEGY)
    return draft
