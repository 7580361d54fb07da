from typing import Any

from .models import SecurityEvent, User


def security_event_record(
    *,
    kind: str,
    request=None,
    actor: User | None = None,
    subject: User | None = None,
    email: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Keep a security event for administrators to read."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        subject=subject,
        email=email[:320],
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
        path=request.path[:500] if request is not None else "",
        detail=detail or {},
    )
