import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import fragments
from core.history import history_note
from goals.models import Aim, Domain, Goal, Indicator, Principle, Strategy
from institutions.models import Actor, Institution, User

from .models import (
    AMENDMENT,
    Action,
    ActionPlan,
    ActionPlanItem,
    GoalProgress,
    PoolAllocation,
    PoolShare,
    Progress,
    strategy_of,
)
from .selectors import pool_candidates, pool_shares_compute
from .tallies import tallies_recount, tally_move


@transaction.atomic
def progress_sync(
    *,
    action_ids: Iterable[int] | None = None,
    institution_ids: Iterable[int] | None = None,
) -> int:
    """Give every action of the adopted strategy one Progress row per institution it is
    for, and no others: the institutions it names, or else every institution of its actors.
    A draft gets its rows when it is adopted; an archived version keeps the ones it had.

    Limit the work to some actions or institutions by passing their ids. Returns the number
    of rows removed; their history stays in the historical table.
    """
    in_force = {"action__goal__domain__strategy__status": Strategy.Status.ADOPTED}
    named = Action.institutions.through.objects
    links = Action.actors.through.objects.filter(**in_force).exclude(
        Exists(named.filter(action_id=OuterRef("action_id")))
    )
    named_links = named.filter(**in_force)
    institutions = Institution.objects.all()
    stale = Progress.objects.filter(**in_force).exclude(
        Exists(
            named.filter(action_id=OuterRef("action_id"), institution_id=OuterRef("institution_id"))
        )
        | (
            ~Exists(named.filter(action_id=OuterRef("action_id")))
            & Exists(
                Action.actors.through.objects.filter(
                    action_id=OuterRef("action_id"), actor_id=OuterRef("institution__actor_id")
                )
            )
        )
    )
    if action_ids is not None:
        action_ids = list(action_ids)
        links = links.filter(action_id__in=action_ids)
        named_links = named_links.filter(action_id__in=action_ids)
        stale = stale.filter(action_id__in=action_ids)
    if institution_ids is not None:
        institution_ids = list(institution_ids)
        institutions = institutions.filter(pk__in=institution_ids)
        named_links = named_links.filter(institution_id__in=institution_ids)
        stale = stale.filter(institution_id__in=institution_ids)

    institutions_by_actor = defaultdict(list)
    for institution_id, actor_id in institutions.values_list("pk", "actor_id"):
        institutions_by_actor[actor_id].append(institution_id)

    Progress.objects.bulk_create(
        itertools.chain(
            (
                Progress(action_id=action_id, institution_id=institution_id)
                for action_id, actor_id in links.values_list("action_id", "actor_id")
                for institution_id in institutions_by_actor[actor_id]
            ),
            (
                Progress(action_id=action_id, institution_id=institution_id)
                for action_id, institution_id in named_links.values_list(
                    "action_id", "institution_id"
                )
            ),
        ),
        ignore_conflicts=True,
        batch_size=1000,
    )
    removed, _ = stale.delete()
    # Rows came or went, or an institution's stopped counting: recount what they touch.
    tallies_recount(action_ids=action_ids, institution_ids=institution_ids)
    fragments.changed(fragments.PROGRESS, fragments.EVERY_INSTITUTION)
    return removed


class ProgressConflict(Exception):
    """Someone else changed the row since the person loaded it."""

    def __init__(self, current: Progress) -> None:
        super().__init__(f"Progress {current.pk} is at version {current.version}")
        self.current = current


@transaction.atomic
def progress_set(
    *,
    progress_id: int,
    status: str,
    reason: str,
    note: str,
    expected_version: int,
    by,
) -> Progress:
    """Set an institution's status on an action. Sending the state already stored changes
    nothing, so a double tap or a retry is harmless; a change made by someone else since
    `expected_version` is refused with ProgressConflict rather than overwritten."""
    progress = (
        Progress.objects.select_for_update(of=("self",))
        .select_related("institution", "action__goal__domain")
        .get(pk=progress_id)
    )
    if reason and status != Progress.Status.NOT_RELEVANT:
        reason = ""
    if (progress.status, progress.reason, progress.note) == (status, reason, note):
        return progress
    if progress.version != expected_version:
        raise ProgressConflict(progress)
    old_status = progress.status
    progress.status, progress.reason, progress.note = status, reason, note
    progress.updated_by = by
    progress.updated_at = timezone.now()
    progress.version += 1
    history_note(progress, by=by)
    # The row, its action and institution exist (it was just locked); check only the values.
    # The database's own check constraint backs up the rule on "not relevant".
    progress.full_clean(
        exclude=["action", "institution", "updated_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    if status == Progress.Status.NOT_RELEVANT and not reason:
        raise ValidationError({"reason": _("Say why the action is not relevant.")})
    progress.save(update_fields=["status", "reason", "note", "updated_by", "updated_at", "version"])
    tally_move(progress=progress, old_status=old_status)
    fragments.changed(fragments.PROGRESS, fragments.institution(progress.institution_id))
    return progress


@transaction.atomic
def goal_progress_set(*, goal: Goal, institution: Institution, reached: bool, by) -> GoalProgress:
    """Say whether the institution has reached a local goal. Saying what is already stored
    changes nothing, so a double tap is harmless; history keeps who said it when."""
    marks = GoalProgress.objects.select_for_update().filter(goal=goal, institution=institution)
    mark = marks.first()
    if mark is not None and mark.reached == reached:
        return mark
    mark = mark or GoalProgress(goal=goal, institution=institution)
    mark.reached, mark.updated_by, mark.updated_at = reached, by, timezone.now()
    history_note(mark, by=by)
    try:
        with transaction.atomic():
            mark.save()
    except IntegrityError:  # the same first mark, sent twice at once: the other one won
        return marks.get()
    fragments.changed(fragments.PROGRESS, fragments.GOALS, fragments.institution(institution.pk))
    return mark


# --- Handleplaner ---------------------------------------------------------------------------


def action_plan_ensure(*, strategy: Strategy, institution: Institution | None) -> ActionPlan:
    """The institution's plan (the municipal plan for None) for the strategy's period,
    created as a draft the first time someone adds to it."""
    start, end = strategy.plan_period()
    plan, _created = ActionPlan.objects.get_or_create(
        strategy=strategy,
        institution=institution,
        defaults={"period_start": start, "period_end": end},
    )
    return plan


def _record_as(item: ActionPlanItem, by) -> None:
    # Once a plan is approved, every change to it is an amendment the plan page lists.
    history_note(item, by=by, reason=AMENDMENT if item.plan.is_approved else None)


@transaction.atomic
def plan_item_save(*, item: ActionPlanItem, by) -> ActionPlanItem:
    """Add an item to a plan or change it; on an approved plan the change is an amendment."""
    if item.action_id:
        item.text, item.domain_id = "", None
    _record_as(item, by)
    item.full_clean()
    item.save()
    fragments.changed(fragments.PLANS)
    return item


@transaction.atomic
def plan_item_add(
    *, strategy: Strategy, institution: Institution | None, item: ActionPlanItem, by
) -> ActionPlanItem:
    """Add an item to the institution's plan, creating the plan the first time."""
    item.plan = action_plan_ensure(strategy=strategy, institution=institution)
    return plan_item_save(item=item, by=by)


@transaction.atomic
def plan_item_delete(*, item: ActionPlanItem, by) -> None:
    _record_as(item, by)
    item.delete()
    fragments.changed(fragments.PLANS)


@transaction.atomic
def action_plan_approve(*, plan: ActionPlan, approved_on: dt.date, by) -> ActionPlan:
    plan.status = ActionPlan.Status.APPROVED
    plan.approved_on, plan.approved_by = approved_on, by
    history_note(plan, by=by)
    plan.full_clean()
    plan.save()
    fragments.changed(fragments.PLANS)
    return plan


# --- Central pool -------------------------------------------------------------------------


@transaction.atomic
def pool_allocation_create(
    *, strategy: Strategy, title: str, amount: int, actor_ids: list[int], by
) -> PoolAllocation:
    """Share an amount from the central pool among the actors' institutions, all or nothing."""
    institutions = pool_candidates(actor_ids=actor_ids)
    if not institutions:
        raise ValidationError(
            _("None of the chosen kinds of institution has children to share by.")
        )
    shares = pool_shares_compute(
        amount=amount, children={i.pk: i.children_count or 0 for i in institutions}
    )
    allocation = PoolAllocation(strategy=strategy, title=title, amount=amount, created_by=by)
    allocation.full_clean()
    allocation.save()
    allocation.actors.set(actor_ids)
    PoolShare.objects.bulk_create(
        PoolShare(
            allocation=allocation,
            institution=institution,
            children_count=institution.children_count or 0,
            amount=shares[institution.pk],
        )
        for institution in institutions
    )
    fragments.changed(fragments.PLANS)
    return allocation


STRATEGY_TEXT_FIELDS = [
    "title",
    "subtitle",
    "municipality_name",
    "introduction",
    "purpose",
    "vision",
    "aims_introduction",
    "foundation",
    "framework",
    "principles_heading",
    "principles_introduction",
    "actions_heading",
    "domain_word",
    "domains_word",
    "follow_up",
    "goals_introduction",
    "approved_by",
    "revision_interval_years",
]


# A document also carries these: the dates and the decision belong to one version only, so a
# revision does not copy them (actions.revision), but a workbook brings them.
STRATEGY_DOCUMENT_FIELDS = [
    *STRATEGY_TEXT_FIELDS,
    "approved_on",
    "decision_reference",
    "period_start",
    "period_end",
]


@transaction.atomic
def strategy_create_from_document(
    *, document: dict[str, Any], status: str = Strategy.Status.ADOPTED, by: User | None = None
) -> Strategy:
    """Create a strategy with its domains, goals, actions and indicators from a nested
    document (fixtures/strategy_mariagerfjord.json, or a workbook: actions.workbook).

    The document mirrors the printed strategy: each domain lists its goals, then its actions
    under actor headings ("Forvaltning", "Skole og dagtilbud"); an action's `goal` is the
    1-based number of the domain's goal it serves, and its `children` are its sub-items. A
    goal is its text, or a dict with its `scope` and `principles` (1-based numbers); an
    action or sub-item may name `institutions`, `responsible`, `deadline`, `deadline_label`
    and `budget`; a domain may list `indicators` of its goals.
    """
    actors = {actor.code: actor for actor in Actor.objects.all()}
    institutions = {institution.name: institution for institution in Institution.objects.all()}
    strategy = Strategy(
        status=status,
        **{field: document[field] for field in STRATEGY_DOCUMENT_FIELDS if field in document},
    )
    strategy.full_clean()
    history_note(strategy, by=by)
    strategy.save()
    Aim.objects.bulk_create(
        Aim(strategy=strategy, order=number, text=text)
        for number, text in enumerate(document.get("aims", []), start=1)
    )
    principles = Principle.objects.bulk_create(
        Principle(strategy=strategy, order=number, text=text)
        for number, text in enumerate(document.get("principles", []), start=1)
    )
    for domain_number, domain_doc in enumerate(document["domains"], start=1):
        domain = _document_save(
            Domain(
                strategy=strategy,
                name=domain_doc["name"],
                order=domain_number,
                introduction=domain_doc.get("introduction", ""),
            ),
            by=by,
        )
        goals = []
        for number, goal_doc in enumerate(domain_doc["goals"], start=1):
            goal_doc = goal_doc if isinstance(goal_doc, dict) else {"text": goal_doc}
            goal = _document_save(
                Goal(
                    domain=domain,
                    order=number,
                    text=goal_doc["text"],
                    scope=goal_doc.get("scope", Goal.Scope.MUNICIPAL),
                ),
                by=by,
            )
            goal.principles.set(principles[n - 1] for n in goal_doc.get("principles", []))
            goals.append(goal)
        order = 0
        for group in domain_doc.get("action_groups", []):
            for action_doc in group["actions"]:
                order += 1
                goal = goals[action_doc["goal"] - 1]
                kinds = [actors[code] for code in action_doc.get("actors", group["actors"])]
                action = _document_action(
                    action_doc,
                    goal=goal,
                    order=order,
                    actors=kinds,
                    institutions=institutions,
                    by=by,
                )
                for number, child_doc in enumerate(action_doc.get("children", []), start=1):
                    child_doc = child_doc if isinstance(child_doc, dict) else {"text": child_doc}
                    _document_action(
                        child_doc,
                        goal=goal,
                        order=number,
                        actors=kinds,
                        institutions=institutions,
                        parent=action,
                        by=by,
                    )
        for indicator_doc in domain_doc.get("indicators", []):
            fields = {k: v for k, v in indicator_doc.items() if k not in ("goal", "actors")}
            indicator = Indicator(goal=goals[indicator_doc["goal"] - 1], **fields)
            indicator.full_clean(exclude=["goal"])
            _document_save(indicator, by=by)
            indicator.actors.set(actors[code] for code in indicator_doc.get("actors", []))
    progress_sync(
        action_ids=Action.objects.filter(goal__domain__strategy=strategy).values_list(
            "pk", flat=True
        )
    )
    fragments.changed(fragments.STRATEGY)
    return strategy


def strategy_import(*, document: dict[str, Any], by: User) -> Strategy:
    """A whole strategy read from a workbook (actions.workbook): in force at once in an
    installation with none, otherwise a draft beside the one in force."""
    adopted = Strategy.objects.filter(status=Strategy.Status.ADOPTED).exists()
    status = Strategy.Status.DRAFT if adopted else Strategy.Status.ADOPTED
    return strategy_create_from_document(document=document, status=status, by=by)


ACTION_DOCUMENT_FIELDS = ("responsible", "deadline", "deadline_label", "budget")


def _document_save(instance, *, by: User | None):
    """Save an item a document creates; its history says who imported it."""
    history_note(instance, by=by)
    instance.save()
    return instance


def _document_action(
    action_doc: dict, *, goal: Goal, order: int, actors, institutions, by, parent=None
) -> Action:
    action = Action(
        goal=goal,
        parent=parent,
        order=order,
        text=action_doc["text"],
        **{field: action_doc[field] for field in ACTION_DOCUMENT_FIELDS if field in action_doc},
    )
    action.full_clean(exclude=["goal", "parent"])
    _document_save(action, by=by)
    action.actors.set(actors)
    action.institutions.set(institutions[name] for name in action_doc.get("institutions", []))
    return action


class EditConflict(Exception):
    """Someone saved the item after the person opened it; `current` is what they saved."""

    def __init__(self, current: Any) -> None:
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
def item_save(
    *, form: forms.ModelForm, siblings: tuple[str, ...], expected_version: int | None, by: User
) -> models.Model:
    """Save an edit form: a new item goes last among its siblings; a changed one only if
    nobody saved it since `expected_version`. History records the person."""
    instance = form.instance
    created = instance.pk is None
    if created:
        if hasattr(instance, "order"):
            instance.order = _next_order(instance, siblings)
    elif expected_version is None:
        raise EditConflict(type(instance).objects.get(pk=instance.pk))
    else:
        _claim_version(instance, expected_version)
    history_note(instance, by=by)
    instance = form.save()
    if isinstance(instance, Action):
        progress_sync(action_ids=[instance.pk])
    fragments.changed(fragments.STRATEGY)
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
    history_note(instance, by=by)
    # Progress rows go with an action, a goal or a domain.
    with_rows = isinstance(instance, Action | Goal | Domain)
    strategy_id = strategy_of(instance).pk if with_rows else None
    instance.delete()
    # What it contained went with it, progress rows included.
    if strategy_id is not None:
        tallies_recount(strategy_ids=[strategy_id])
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS, fragments.EVERY_INSTITUTION)


@transaction.atomic
def action_archive(*, action: Action, by) -> Action:
    """Take an action (and its sub-items) out of use, keeping its progress and history."""
    now = timezone.now()
    for item in Action.objects.filter(Q(pk=action.pk) | Q(parent=action), archived_at=None):
        item.archived_at = now
        item.version += 1
        history_note(item, by=by, reason=_("Archived"))
        item.save()
    # Its rows no longer count towards the institutions' tallies.
    tallies_recount(action_ids=[action.pk])
    fragments.changed(fragments.STRATEGY)
    return action


@transaction.atomic
def item_restore(
    *, instance: models.Model, record: Any, fields: list[str], expected_version: int, by: User
) -> models.Model:
    """Put an earlier version's values back, as a new change of its own."""
    _claim_version(instance, expected_version)
    for name in fields:
        setattr(instance, name, getattr(record, name))
    when = date_format(timezone.localtime(record.history_date), "j. F Y H:i")
    history_note(instance, by=by, reason=_("Restored the version of %(when)s") % {"when": when})
    instance.full_clean()
    instance.save()
    fragments.changed(fragments.STRATEGY)
    return instance
