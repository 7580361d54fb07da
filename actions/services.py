from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from institutions.models import Institution

from .models import Action, Progress


@transaction.atomic
def progress_sync(
    *,
    action_ids: Iterable[int] | None = None,
    institution_ids: Iterable[int] | None = None,
) -> int:
    """Give every action one Progress row per institution of its actors, and no others.

    Limit the work to some actions or institutions by passing their ids. Returns the number
    of rows removed; their history stays in the historical table.
    """
    links = Action.actors.through.objects.all()
    institutions = Institution.objects.all()
    stale = Progress.objects.exclude(
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
    progress.full_clean()
    progress.save()
    return progress
