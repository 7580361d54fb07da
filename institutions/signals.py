"""Security events raised by Django and allauth are recorded here; nothing else happens."""

from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import security_event_record
from .models import SecurityEvent


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.LOGIN, request=request, actor=user, subject=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(
            kind=SecurityEvent.Kind.LOGOUT, request=request, actor=user, subject=user
        )


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, email=email)


@receiver(authentication_failed)
def _mfa_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    security_event_record(
        kind=SecurityEvent.Kind.MFA_FAILED,
        request=request,
        actor=user,
        subject=user,
        detail={"type": authenticator.type, "reauthentication": reauthentication},
    )


def _authenticator_event(kind):
    def record(sender, request, user, authenticator, **kwargs):
        security_event_record(
            kind=kind,
            request=request,
            actor=user,
            subject=user,
            detail={"type": authenticator.type},
        )

    return record


for signal, kind in [
    (authenticator_added, SecurityEvent.Kind.MFA_ADDED),
    (authenticator_removed, SecurityEvent.Kind.MFA_REMOVED),
    (authenticator_reset, SecurityEvent.Kind.MFA_RESET),
]:
    signal.connect(_authenticator_event(kind), weak=False, dispatch_uid=f"audit-{kind}")
