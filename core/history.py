"""Who made a change, and why, as django-simple-history records it with the next save."""

from typing import Any

from django.db import models
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

from core.tenancy import scoped


def history_note(instance: Any, *, by: Any, reason: str | None = None) -> None:
    """Record the next save of `instance` in its history under the person `by`, with `reason`
    where the history should say why (simple-history reads these two attributes)."""
    instance._history_user = by
    if reason is not None:
        instance._change_reason = str(reason)


class ScopedHistoryManager(HistoryManager):
    """A model's history, scoped like the model itself (core.tenancy): a historical row
    belongs to the municipality its model's `municipality_path` leads to."""

    def get_super_queryset(self):
        return scoped(super().get_super_queryset(), self.model.instance_type.municipality_path)


class ScopedLinkHistoryManager(models.Manager):
    """The history of a many-to-many link (an action's kinds), scoped through the historical
    record that holds it."""

    def get_queryset(self):
        record = self.model._meta.get_field("history").related_model
        path = f"history__{record.instance_type.municipality_path}"
        return scoped(super().get_queryset(), path)


class ScopedLinkHistory(models.Model):
    """The base of a many-to-many link's history: its default manager is scoped."""

    objects = ScopedLinkHistoryManager()

    class Meta:
        abstract = True


def kept_history(**options: Any) -> HistoricalRecords:
    """The history of a model that belongs to a municipality, and of its many-to-many links."""
    return HistoricalRecords(
        history_manager=ScopedHistoryManager, m2m_bases=[ScopedLinkHistory], **options
    )


def history_rows(model) -> models.QuerySet:
    """The rows of a history model (a model's or a link's), scoped to the municipality."""
    if model.instance_type._meta.auto_created:  # a many-to-many link's
        return model._default_manager.all()
    return model.instance_type.history.all()
