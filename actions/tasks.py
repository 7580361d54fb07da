"""Celery tasks of the actions app: thin adapters over services."""

from celery import shared_task
from django.utils import timezone

from goals.selectors import strategy_current

from .reminders import reminders_send


@shared_task
def reminders_send_task() -> int:
    """Run by beat several times a day; each reminder still goes out once per period."""
    strategy = strategy_current()
    if strategy is None:
        return 0
    return reminders_send(strategy=strategy, today=timezone.localdate())
