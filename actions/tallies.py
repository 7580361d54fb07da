"""The stored tallies: each action's "x af N" among the active institutions of each kind
(`ActionTally`), kept in the same transaction as the change that moves them, so that no page
counts progress rows.

- A tick moves its action's tally by the difference its new status makes (`tally_move`): an
  UPDATE that adds to the stored numbers, so ticks at the same moment never lose one.
- A change that adds or removes rows, or changes which rows count (an institution made
  inactive or of another kind), recounts the tallies it touches from the rows
  (`tallies_recount`). It locks those tallies first, so a tick waiting on one adds to the
  recounted figure, and a tick that got there first is seen by the recount.
- `tallies_differences` compares every stored tally with a count of the rows
  (`manage.py tallies`); tests hold it at none.

Whether an action is archived, and which goal or domain it belongs to, is read with the
tally, so archiving and moving need no recount.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, F, QuerySet, Sum

from . import rollup
from .models import ActionTally, Progress

FIELDS = ("done", "counted", "started", "rows", "row_sum")

Key = tuple[int, int]  # (action, kind of institution)
Numbers = tuple[int, ...]  # FIELDS, in order


def counted_from_rows(rows: QuerySet[Progress]) -> dict[Key, Numbers]:
    """The tallies of `rows` at active institutions, counted: one query."""
    counts = (
        rows.filter(institution__is_active=True)
        .values("action_id", "institution__actor_id")
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
        (row["action_id"], row["institution__actor_id"]): tuple(row[name] for name in FIELDS)
        for row in counts
    }


def _stored(tallies: QuerySet[ActionTally]) -> dict[Key, tuple[int, Numbers]]:
    return {
        (action_id, actor_id): (pk, tuple(numbers))
        for pk, action_id, actor_id, *numbers in tallies.values_list(
            "pk", "action_id", "actor_id", *FIELDS
        )
    }


def _scope(action_ids: Iterable[int] | None) -> tuple[QuerySet[ActionTally], QuerySet[Progress]]:
    tallies, rows = ActionTally.objects.all(), Progress.objects.all()
    if action_ids is not None:
        action_ids = list(action_ids)
        tallies, rows = (
            tallies.filter(action_id__in=action_ids),
            rows.filter(action_id__in=action_ids),
        )
    return tallies, rows


@transaction.atomic
def tallies_recount(*, action_ids: Iterable[int] | None = None) -> int:
    """Count the tallies of these actions (of every action, without ids) from their rows
    and store what differs. Returns how many tallies changed."""
    tallies, rows = _scope(action_ids)
    stored = _stored(tallies.select_for_update().order_by("pk"))  # lock before counting
    counted = counted_from_rows(rows)
    changed = [
        ActionTally(pk=stored[key][0], **dict(zip(FIELDS, numbers, strict=True)))
        for key, numbers in counted.items()
        if key in stored and stored[key][1] != numbers
    ]
    ActionTally.objects.bulk_update(changed, FIELDS, batch_size=1000)
    new = [
        ActionTally(action_id=key[0], actor_id=key[1], **dict(zip(FIELDS, numbers, strict=True)))
        for key, numbers in counted.items()
        if key not in stored
    ]
    # A recount at the same moment may have stored the same new tally: the later one wins.
    ActionTally.objects.bulk_create(
        new,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["action", "actor"],
        update_fields=FIELDS,
    )
    gone = [pk for key, (pk, _numbers) in stored.items() if key not in counted]
    ActionTally.objects.filter(pk__in=gone).delete()
    return len(changed) + len(new) + len(gone)


def tally_move(*, progress: Progress, old_status: str) -> None:
    """Move the tally of a row whose status was `old_status`, by what its status now adds
    or takes away; `progress.institution` says whether and where it counts."""
    institution = progress.institution
    if not institution.is_active:
        return
    before, after = rollup.Tally.of([old_status]), rollup.Tally.of([progress.status])
    changes = {
        name: getattr(after, name) - getattr(before, name)
        for name in ("done", "counted", "started")
    }
    if not any(changes.values()):
        return
    moved = ActionTally.objects.filter(
        action_id=progress.action_id, actor_id=institution.actor_id
    ).update(**{name: F(name) + change for name, change in changes.items()})
    if not moved:  # not counted before: count it now
        tallies_recount(action_ids=[progress.action_id])


def tallies_differences() -> list[tuple[Key, Numbers | None, Numbers | None]]:
    """Every tally whose stored numbers differ from a count of its rows: (key, stored,
    counted), None where one side has no tally."""
    tallies, rows = _scope(None)
    stored = {key: numbers for key, (_pk, numbers) in _stored(tallies).items()}
    counted = counted_from_rows(rows)
    return [
        (key, stored.get(key), counted.get(key))
        for key in sorted(stored.keys() | counted.keys())
        if stored.get(key) != counted.get(key)
    ]
