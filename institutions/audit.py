import logging
from typing import Any

from core import tenancy

from .models import SecurityEvent, User

logger = logging.getLogger(__name__)


def security_event_record(
    *,
    kind: str,
    request=None,
    actor: User | None = None,
    subject: User | None = None,
    email: str = "",
    detail: dict[str, Any] | None = None,
) -> SecurityEvent | None:
    """Keep a security event for the municipality's administrators to read. On the platform's
    host (no municipality: an operator signing in) the event goes to the platform's log."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if tenancy.chosen() is None:
        logger.info(
            "Platform security event %s: actor %s, e-mail %s, from %s",
            kind,
            actor.pk if actor is not None else None,
            email,
            request.META.get("REMOTE_ADDR") if request is not None else None,
        )
        return None
    return SecurityEvent.objects.create(
        kind=kind,
        actor=actor,
        subject=subject,
        email=email[:320],
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
        path=request.path[:500] if request is not None else "",
        detail=detail or {},
    )
