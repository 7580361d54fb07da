from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef

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
