import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Strategy
from institutions.models import Institution
from strategy_tracker import fragments

from .models import (
    AMENDMENT,
    Action,
    ActionPlan,
    ActionPlanItem,
    PoolAllocation,
    PoolShare,
    Progress,
)
from .selectors import pool_candidates, pool_shares_compute


@transaction.atomic
def progress_sync(
    *,
    action_ids: Iterable[int] | None = None,
    institution_ids: Iterable[int] | None = None,
) -> int:
    """Give every action of the adopted strategy one Progress row per institution of its
    actors, and no others. A draft gets its rows when it is adopted; an archived version
    keeps the ones it had.

    Limit the work to some actions or institutions by passing their ids. Returns the number
    of rows removed; their history stays in the historical table.
    """
    in_force = {"action__goal__domain__strategy__status": Strategy.Status.ADOPTED}
    links = Action.actors.through.objects.filter(**in_force)
    institutions = Institution.objects.all()
    stale = Progress.objects.filter(**in_force).exclude(
        Exists(
            Action.actors.through.objects.filter(
                action_id=OuterRef("action_id"), actor_id=OuterRef("institution__actor_id")
            )
        )
    )
    if action_ids is not None:
        action_ids = list(action_ids)
        links = links.filter(action_id__in=action_ids)
        stale = stale.filter(action_id__in=action_ids)
    if institution_ids is not None:
        institution_ids = list(institution_ids)
        institutions = institutions.filter(pk__in=institution_ids)
        stale = stale.filter(institution_id__in=institution_ids)

    institutions_by_actor = defaultdict(list)
    for institution_id, actor_id in institutions.values_list("pk", "actor_id"):
        institutions_by_actor[actor_id].append(institution_id)

    Progress.objects.bulk_create(
        (
            Progress(action_id=action_id, institution_id=institution_id)
            for action_id, actor_id in links.values_list("action_id", "actor_id")
            for institution_id in institutions_by_actor[actor_id]
        ),
        ignore_conflicts=True,
        batch_size=1000,
    )
    removed, _ = stale.delete()
    fragments.changed(fragments.PROGRESS, fragments.EVERY_INSTITUTION)
    return removed


class ProgressConflict(Exception):
    """Someone else changed the row since the person loaded it."""

    def __init__(self, current: Progress):
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
    progress = Progress.objects.select_for_update().get(pk=progress_id)
    if reason and status != Progress.Status.NOT_RELEVANT:
        reason = ""
    if (progress.status, progress.reason, progress.note) == (status, reason, note):
        return progress
    if progress.version != expected_version:
        raise ProgressConflict(progress)
    progress.status, progress.reason, progress.note = status, reason, note
    progress.updated_by = by
    progress.updated_at = timezone.now()
    progress.version += 1
    progress._history_user = by
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
    return progress


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
    item._history_user = by
    if item.plan.is_approved:
        # Once a plan is approved, every change to it is an amendment the plan page lists.
        item._change_reason = AMENDMENT


@transaction.atomic
def plan_item_save(*, item: ActionPlanItem, by) -> ActionPlanItem:
    """Add an item to a plan or change it; on an approved plan the change is an amendment."""
    if item.action_id:
        item.text, item.domain_id = "", None
    _record_as(item, by)
    item.full_clean()
    item.save()
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


@transaction.atomic
def action_plan_approve(*, plan: ActionPlan, approved_on: dt.date, by) -> ActionPlan:
    plan.status = ActionPlan.Status.APPROVED
    plan.approved_on, plan.approved_by = approved_on, by
    plan._history_user = by
    plan.full_clean()
    plan.save()
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
        amount=amount, children={i.pk: i.children_count for i in institutions}
    )
    allocation = PoolAllocation(strategy=strategy, title=title, amount=amount, created_by=by)
    allocation.full_clean()
    allocation.save()
    allocation.actors.set(actor_ids)
    PoolShare.objects.bulk_create(
        PoolShare(
            allocation=allocation,
            institution=institution,
            children_count=institution.children_count,
            amount=shares[institution.pk],
        )
        for institution in institutions
    )
    return allocation
