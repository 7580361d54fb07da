import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import fragments
from core.history import history_note
from institutions.models import Institution

from .models import Indicator, Measurement, Strategy


@transaction.atomic
def measurement_record(
    *, indicator: Indicator, institution: Institution, value: Decimal, measured_on: dt.date, by
) -> Measurement:
    """An institution reports an indicator's value as of a date."""
    measurement = Measurement(
        indicator=indicator,
        institution=institution,
        value=value,
        measured_on=measured_on,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    measurement.full_clean()
    measurement.save()
    fragments.changed(fragments.MEASUREMENTS, fragments.institution(institution.pk))
    return measurement


# --- Editing in the browser ---------------------------------------------------------------


@transaction.atomic
def strategy_create(*, form, by) -> Strategy:
    """A new, empty strategy. The first one is in force at once; later versions start as
    drafts."""
    strategy = form.instance
    if Strategy.objects.filter(status=Strategy.Status.ADOPTED).exists():
        strategy.status = Strategy.Status.DRAFT
    else:
        strategy.status = Strategy.Status.ADOPTED
    history_note(strategy, by=by)
    strategy = form.save()
    fragments.changed(fragments.STRATEGY)
    return strategy
