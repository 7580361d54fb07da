"""What a consultant's administration pages change, where it reaches past the institutions
themselves."""

from django.db import transaction
from django.utils.text import slugify

from actions.services import progress_sync
from core import fragments
from institutions.models import Actor, Institution


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Create or change an institution; its progress rows follow its kind at once."""
    institution.full_clean()
    institution.save()
    progress_sync(institution_ids=[institution.pk])
    # Its name and kind show on every page; its rows in every count.
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS, fragments.institution(institution.pk))
    return institution


@transaction.atomic
def actor_save(*, actor: Actor) -> Actor:
    """Add or rename a kind of institution. A new kind gets a code from its name (kept when
    it is renamed, so spreadsheets and links that use it still work)."""
    if not actor.code:
        base = slugify(actor.name)[:40] or "type"
        code, number = base, 1
        while Actor.objects.filter(code=code).exists():
            number += 1
            code = f"{base}-{number}"
        actor.code = code
    actor.full_clean()
    actor.save()
    # Its name shows in the strategy, on the dashboard and in the reports.
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS)
    return actor
