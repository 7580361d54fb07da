"""Who made a change, and why, as django-simple-history records it with the next save."""

from typing import Any


def history_note(instance: Any, *, by: Any, reason: str | None = None) -> None:
    """Record the next save of `instance` in its history under the person `by`, with `reason`
    where the history should say why (simple-history reads these two attributes)."""
    instance._history_user = by
    if reason is not None:
        instance._change_reason = str(reason)
