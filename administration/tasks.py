"""Celery tasks of the administration app: thin adapters over services."""

from celery import shared_task

from institutions.selectors import each_municipality

from .imports import imports_discard_expired


@shared_task
def imports_discard_expired_task() -> int:
    """Run by beat every ten minutes: no upload is kept longer than an hour."""
    return sum(imports_discard_expired() for _municipality in each_municipality())
