"""Celery tasks: thin adapters that take a primary key and call a service."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core import tenancy
from goals.selectors import strategy_current
from institutions.selectors import each_municipality

from . import services
from .days import days_close


@shared_task(
    name=services.REPORT_BUILD_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    max_retries=services.MAX_ATTEMPTS - 1,
)
def report_build_task(self, report_id: int, municipality_id: int) -> None:
    """Make the report's file; a failed attempt is retried with a growing pause."""
    try:
        with tenancy.acting_for(municipality_id):
            services.report_build(report_id=report_id, task_id=self.request.id or "")
    except (OperationalError, InterfaceError) as error:
        # The database is away: wait for it, REPORT_DATABASE_RETRIES times a pause.
        raise self.retry(
            exc=error,
            countdown=settings.REPORT_DATABASE_RETRY_SECONDS,
            max_retries=settings.REPORT_DATABASE_RETRIES,
        ) from error
    except Exception as error:
        raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error


@shared_task
def reports_requeue_task() -> int:
    """Run by beat every minute: send again, once, what no worker would make otherwise."""
    now = timezone.now()
    return sum(services.reports_requeue(now=now) for _municipality in each_municipality())


@shared_task
def days_close_task() -> bool:
    """Run by beat just after midnight: yesterday's tallies are written before anyone asks,
    so the first view of the dashboard that day does not wait for them. Whether any
    municipality had a strategy to close days of."""
    closed = False
    for _municipality in each_municipality():
        strategy = strategy_current()
        if strategy is not None:
            days_close(strategy)
            closed = True
    return closed
