"""Celery tasks: thin adapters that take a primary key and call a service."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services
from .models import Report


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    max_retries=services.MAX_ATTEMPTS - 1,
)
def report_build(self, report_id: int) -> None:
    """Make the report's file; a failed attempt is retried with a growing pause."""
    if not Report.objects.filter(pk=report_id).exists():
        return  # deleted since it was requested: nothing to make
    try:
        services.report_build(report_id=report_id)
    except Exception as error:
        raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error


@shared_task
def reports_requeue() -> int:
    """Send again the reports that never reached a worker (the queue was down) or whose
    worker vanished: queued or running for longer than a task may take."""
    stale = timezone.now() - dt.timedelta(seconds=settings.REPORT_TIME_LIMIT + 60)
    waiting = Report.objects.filter(status__in=[Report.Status.QUEUED, Report.Status.RUNNING])
    waiting = waiting.exclude(kind=Report.Kind.ACTION_PLAN_BATCH, started_at__isnull=True)
    ids = list(waiting.filter(enqueue_failed_at__isnull=False).values_list("pk", flat=True)) + list(
        waiting.filter(requested_at__lt=stale).values_list("pk", flat=True)
    )
    for report_id in dict.fromkeys(ids):
        services.report_enqueue(report_id)
    return len(ids)
