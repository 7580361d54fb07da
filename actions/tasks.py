"""Celery tasks of the actions app: thin adapters over services."""

from celery import shared_task
from django.utils import timezone

from goals.selectors import strategy_current
from institutions.selectors import each_municipality

from .reminders import reminders_send


@shared_task
def reminders_send_task() -> int:
    """Run by beat several times a day, for each municipality; each reminder still goes out
    once per period."""
    sent = 0
    for _municipality in each_municipality():
        strategy = strategy_current()
        if strategy is not None:
            sent += reminders_send(strategy=strategy, today=timezone.localdate())
    return sent
