"""What a consultant's administration pages change, where it reaches past the institutions
themselves."""

from django.db import transaction

from actions.services import progress_sync
from core import fragments
from institutions.models import Institution


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Create or change an institution; its progress rows follow its kind at once."""
    institution.full_clean()
    institution.save()
    progress_sync(institution_ids=[institution.pk])
    # Its name and kind show on every page; its rows in every count.
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS, fragments.institution(institution.pk))
    return institution
