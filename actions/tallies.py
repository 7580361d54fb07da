"""The stored tallies, kept in the same transaction as the change that moves them, so that no
page counts progress rows:

- each action's "x af N" among the active institutions of each kind (`ActionTally`);
- each institution's "x af N" in a version of the strategy, over the actions in use
  (`InstitutionTally`).

A tick moves its tallies by the difference its new status makes (`tally_move`): UPDATEs that
add to the stored numbers, so ticks at the same moment never lose one. A change that adds or
removes rows, or changes which rows count (an institution made inactive or of another kind, an
action archived or deleted), recounts the tallies it touches from the rows (`tallies_recount`).
It locks those tallies first, so a tick waiting on one adds to the recounted figure, and a tick
that got there first is seen by the recount. `tallies_differences` compares every stored tally
with a count of the rows (`manage.py tallies`); tests hold it at none.

What is read with a tally need not be kept in it: whether an action is archived and where it
sits in the strategy (for `ActionTally`), whether an institution is active (`InstitutionTally`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count, F, Q, QuerySet, Sum

from . import rollup
from .models import Action, ActionTally, InstitutionTally, Progress

FIELDS = ("done", "counted", "started", "rows", "row_sum")

Key = tuple[int, int]
Numbers = tuple[int, ...]  # FIELDS, in order


# Where a progress row names its action, institution and version of the strategy.
ROW_PATHS = {
    "action": "action_id",
    "institution": "institution_id",
    "strategy": "action__goal__domain__strategy_id",
}


@dataclass(frozen=True)
class Kept:
    """One kind of stored tally: its model and key, the progress rows it counts, and where it
    names an action, an institution and a version of the strategy (None where a tally does
    not: a recount of one institution recounts every action's tallies, as its kind touches
    them; one of some actions recounts every institution's in their versions)."""

    model: type[models.Model]
    keys: tuple[str, str]  # the tally's key fields
    row_keys: tuple[str, str]  # the same, from a progress row
    counts: Q  # the rows it counts
    paths: dict[str, str | None]

    def scope(self, ids: dict[str, list[int] | None]) -> tuple[Q, Q]:
        """Which of its tallies, and which rows, a recount of these ids covers."""
        ids = dict(ids)
        if ids["action"] is not None and self.paths["action"] is None:
            strategy_ids = Action.objects.filter(pk__in=ids["action"]).values_list(
                "goal__domain__strategy_id", flat=True
            )
            ids["strategy"] = [*(ids["strategy"] or []), *strategy_ids.distinct()]
        tallies, rows = Q(), Q()
        for name, pks in ids.items():
            path = self.paths[name]
            if pks is not None and path is not None:
                tallies &= Q(**{f"{path}__in": pks})
                rows &= Q(**{f"{ROW_PATHS[name]}__in": pks})
        return tallies, rows


ACTIONS = Kept(
    ActionTally,
    ("action_id", "actor_id"),
    ("action_id", "institution__actor_id"),
    Q(institution__is_active=True),
    {"action": "action_id", "institution": None, "strategy": "action__goal__domain__strategy_id"},
)
INSTITUTIONS = Kept(
    InstitutionTally,
    ("institution_id", "strategy_id"),
    ("institution_id", "action__goal__domain__strategy_id"),
    Q(action__archived_at=None),
    {"action": None, "institution": "institution_id", "strategy": "strategy_id"},
)
KEPT = (ACTIONS, INSTITUTIONS)


def counted_from_rows(kept: Kept, rows: QuerySet[Progress]) -> dict[Key, Numbers]:
    """The tallies of `rows`, counted: one query."""
    counts = (
        rows.filter(kept.counts)
        .values(*kept.row_keys)
        .annotate(
            done=Count("pk", filter=rollup.done()),
            counted=Count("pk", filter=rollup.counted()),
            started=Count("pk", filter=rollup.started()),
            rows=Count("pk"),
            row_sum=Sum("pk"),
        )
        .order_by()
    )
    return {
        (row[kept.row_keys[0]], row[kept.row_keys[1]]): tuple(row[name] for name in FIELDS)
        for row in counts
    }


def _stored(kept: Kept, tallies: QuerySet) -> dict[Key, tuple[int, Numbers]]:
    return {
        (first, second): (pk, tuple(numbers))
        for pk, first, second, *numbers in tallies.values_list("pk", *kept.keys, *FIELDS)
    }


def _recount(kept: Kept, tallies: QuerySet, rows: QuerySet[Progress]) -> int:
    stored = _stored(kept, tallies.select_for_update().order_by("pk"))  # lock before counting
    counted = counted_from_rows(kept, rows)
    changed = [
        kept.model(pk=stored[key][0], **dict(zip(FIELDS, numbers, strict=True)))
        for key, numbers in counted.items()
        if key in stored and stored[key][1] != numbers
    ]
    kept.model.objects.bulk_update(changed, FIELDS, batch_size=1000)
    new = [
        kept.model(
            **dict(zip(kept.keys, key, strict=True)), **dict(zip(FIELDS, numbers, strict=True))
        )
        for key, numbers in counted.items()
        if key not in stored
    ]
    # A recount at the same moment may have stored the same new tally: the later one wins.
    kept.model.objects.bulk_create(
        new,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=[key.removesuffix("_id") for key in kept.keys],
        update_fields=FIELDS,
    )
    gone = [pk for key, (pk, _numbers) in stored.items() if key not in counted]
    kept.model.objects.filter(pk__in=gone).delete()
    return len(changed) + len(new) + len(gone)


def _ids(ids: Iterable[int] | None) -> list[int] | None:
    return None if ids is None else list(ids)


@transaction.atomic
def tallies_recount(
    *,
    action_ids: Iterable[int] | None = None,
    institution_ids: Iterable[int] | None = None,
    strategy_ids: Iterable[int] | None = None,
) -> int:
    """Count from their rows the tallies these actions, institutions or versions of the
    strategy touch (every tally, without any) and store what differs. Returns how many
    tallies changed."""
    ids = {
        "action": _ids(action_ids),
        "institution": _ids(institution_ids),
        "strategy": _ids(strategy_ids),
    }
    changed = 0
    for kept in KEPT:
        tallies, rows = kept.scope(ids)
        changed += _recount(kept, kept.model.objects.filter(tallies), Progress.objects.filter(rows))
    return changed


def tally_move(*, progress: Progress, old_status: str) -> None:
    """Move the tallies of a row whose status was `old_status`, by what its status now adds
    or takes away; the row comes with its institution and its action's goal and domain."""
    before, after = rollup.Tally.of([old_status]), rollup.Tally.of([progress.status])
    if before == after:
        return
    changes = {
        name: F(name) + getattr(after, name) - getattr(before, name)
        for name in ("done", "counted", "started")
    }
    institution, action = progress.institution, progress.action
    moved = True
    if institution.is_active:
        moved &= bool(
            ActionTally.objects.filter(action_id=action.pk, actor_id=institution.actor_id).update(
                **changes
            )
        )
    if action.archived_at is None:
        moved &= bool(
            InstitutionTally.objects.filter(
                institution_id=institution.pk, strategy_id=action.goal.domain.strategy_id
            ).update(**changes)
        )
    if not moved:  # not counted before: count it now
        tallies_recount(action_ids=[action.pk], institution_ids=[institution.pk])


def tallies_differences() -> list[tuple[str, Key, Numbers | None, Numbers | None]]:
    """Every tally whose stored numbers differ from a count of its rows: (its model's name,
    key, stored, counted), None where one side has no tally."""
    differences = []
    for kept in KEPT:
        stored = {
            key: numbers for key, (_pk, numbers) in _stored(kept, kept.model.objects.all()).items()
        }
        counted = counted_from_rows(kept, Progress.objects.all())
        differences += [
            (kept.model.__name__, key, stored.get(key), counted.get(key))
            for key in sorted(stored.keys() | counted.keys())
            if stored.get(key) != counted.get(key)
        ]
    return differences
