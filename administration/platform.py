"""The platform's own work, for its operators: the municipalities it serves, how each is
doing, and adding one. Read past the municipality scope on purpose (every model's base
manager), and only as counts: an operator sees no municipality's content here."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import get_urlconf, set_urlconf

from core import tenancy
from institutions.models import Institution, Municipality, MunicipalRole, User
from institutions.selectors import municipality_site_url
from institutions.services import municipality_add
from reports.models import Report

from .services import municipality_start

# Reports failed within this many days count on the health page; a report waiting longer
# than STUCK_AFTER says the workers are not taking them.
FAILED_WITHIN = dt.timedelta(days=7)
STUCK_AFTER = dt.timedelta(minutes=15)
WAITING = [Report.Status.QUEUED, Report.Status.RUNNING]


def _per_municipality(model, value=None, **filters):
    """`value` (the count) of `model`'s rows of each municipality, as a subquery."""
    rows = (
        model._base_manager.filter(municipality=OuterRef("pk"), **filters)
        .order_by()
        .values("municipality")
        .annotate(value=value or Count("pk"))
        .values("value")
    )
    return Subquery(rows)


def platform_municipalities(*, now: dt.datetime) -> list[Municipality]:
    """Every municipality with its counts, in one query: active institutions, people, reports
    waiting (`stuck` when the oldest has waited too long) and failed this week, and whether it
    has given the operators access."""
    municipalities = Municipality.objects.annotate(
        institutions=Coalesce(_per_municipality(Institution, is_active=True), 0),
        people=Coalesce(_per_municipality(MunicipalRole), 0),
        reports_waiting=Coalesce(_per_municipality(Report, status__in=WAITING), 0),
        waiting_since=_per_municipality(Report, Min("requested_at"), status__in=WAITING),
        reports_failed=Coalesce(
            _per_municipality(
                Report, status=Report.Status.FAILED, requested_at__gte=now - FAILED_WITHIN
            ),
            0,
        ),
        operators_admitted=Exists(
            MunicipalRole._base_manager.filter(municipality=OuterRef("pk"), user__is_operator=True)
        ),
    ).order_by("name")
    for municipality in municipalities:
        since = municipality.waiting_since
        municipality.stuck = since is not None and now - since > STUCK_AFTER
    return list(municipalities)


def cache_answers() -> bool:
    """Whether the cache keeps what it is given (sign-in limits, cached pages): the forgiving
    cache (core.cache) answers as an empty one while Redis is down. The database answered
    already, or the page asking would not be shown."""
    cache.set("platform-health", "ok", 10)
    return cache.get("platform-health") == "ok"


def operators_count() -> int:
    return User.every_municipality.filter(is_operator=True, is_active=True).count()


@contextmanager
def _municipal_addresses() -> Iterator[None]:
    """Addresses made within are a municipality's (the invitation's link), also when the
    request is the platform's, whose own URLs have none of them."""
    platform_urls = get_urlconf()
    set_urlconf(None)
    try:
        yield
    finally:
        set_urlconf(platform_urls)


def platform_municipality_add(*, municipality: Municipality, email: str) -> User:
    """Add a municipality on its own host name, with its administration and its first
    consultant, who is invited by e-mail to its host (sent once it is all saved)."""
    with _municipal_addresses(), transaction.atomic():
        municipality_add(municipality=municipality)
        with tenancy.acting_for(municipality.pk):
            return municipality_start(
                name=municipality.name, email=email, base_url=municipality_site_url()
            )
