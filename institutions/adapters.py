import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context, ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import security_event_record
from .models import SecurityEvent, User
from .selectors import sign_in_limits


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created by consultants; there is no open sign-up."""

    def is_open_for_signup(self, request):
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A password typed at sign-in counts as typed for ACCOUNT_REAUTHENTICATION_TIMEOUT
        seconds, so a consultant sent to turn on totrinsbekræftelse right after signing in is
        not asked for it again (allauth itself counts only a password typed to re-confirm)."""
        request = context.request
        if request is not None and request.user.is_authenticated:
            typed = [
                record["at"]
                for record in get_authentication_records(request, request.user)
                if record.get("method") == "password"
            ]
            if typed and time.time() - typed[-1] < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def pre_authenticate(self, request, **credentials):
        """Wrong passwords make that address wait, longer each time (one person cannot lock
        out the others). The limit per client address applies only where the settings say the
        address can be trusted (CLIENT_ADDRESS_KNOWN)."""
        email = str(credentials.get("email") or "")
        if limits := sign_in_limits(emails=[email], now=timezone.now()):
            [limit] = limits
            security_event_record(
                kind=SecurityEvent.Kind.SIGN_IN_LIMITED, request=request, email=email
            )
            minutes = math.ceil((limit.wait_until - timezone.now()).total_seconds() / 60)
            raise forms.ValidationError(
                ngettext(
                    "Too many wrong passwords for this address. Try again in %(minutes)s "
                    "minute, or ask a consultant to lift the wait.",
                    "Too many wrong passwords for this address. Try again in %(minutes)s "
                    "minutes, or ask a consultant to lift the wait.",
                    minutes,
                )
                % {"minutes": minutes}
            )
        if not ratelimit.consume(request, action="sign_in_address"):
            raise self.validation_error("too_many_login_attempts")


def sso_email(sociallogin) -> str | None:
    """The e-mail address the provider vouches for, if it is one of the municipality's."""
    data = sociallogin.account.extra_data
    provider = sociallogin.account.provider
    if provider == "google":
        # Google Workspace names the account's domain in `hd`; private Gmail has none.
        if not data.get("email_verified") or data.get("hd", "").lower() not in (
            settings.SSO_ALLOWED_DOMAINS
        ):
            return None
        email = data.get("email", "")
    elif provider == "microsoft":
        # The tenant-specific endpoints only admit the municipality's own directory.
        email = data.get("mail") or data.get("userPrincipalName") or ""
    else:
        return None
    domain = email.rpartition("@")[2].lower()
    return email if domain in settings.SSO_ALLOWED_DOMAINS else None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on for people who already have an account here, from the municipality only."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def get_app(self, request, provider, client_id=None):
        # A provider the municipality has not configured does not exist, rather than fail.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    def pre_social_login(self, request, sociallogin):
        if sociallogin.is_existing:
            return  # Known by the provider's stable id from an earlier sign-in.
        email = sso_email(sociallogin)
        person = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
        if person is None:
            security_event_record(
                kind=SecurityEvent.Kind.LOGIN_FAILED,
                request=request,
                email=email or str(sociallogin.account.extra_data.get("email", "")),
                detail={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid},
            )
            messages.error(
                request,
                _(
                    "Your account from %(provider)s is not known here. Ask a consultant to "
                    "create you with your work e-mail address."
                )
                % {"provider": sociallogin.provider.name},
            )
            raise ImmediateHttpResponse(redirect("account_login"))
        sociallogin.connect(request, person)
