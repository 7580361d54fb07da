"""Who made a change, and why, as django-simple-history records it with the next save."""

from typing import Any

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


def kept_history(**options: Any) -> HistoricalRecords:
    """The history of a model that belongs to a municipality."""
    return HistoricalRecords(history_manager=ScopedHistoryManager, **options)
