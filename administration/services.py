"""What a consultant's administration pages change, where it reaches past the institutions
themselves."""

from django.db import transaction

from actions.services import progress_sync
from institutions.models import Institution


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Create or change an institution; its progress rows follow its kind at once."""
    institution.full_clean()
    institution.save()
    progress_sync(institution_ids=[institution.pk])
    return institution
