import math
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context, ratelimit
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base.constants import AuthError
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import security_event_record
from .models import SecurityEvent, User
from .selectors import municipality_is_alone, sign_in_limits
from .services import sign_in_apply
from .sign_in import (
    KOMBIT,
    SIGN_IN_TEST,
    SIGN_IN_TEST_RESULT,
    UNILOGIN,
    SignInOutcome,
    app_of_another_municipality,
    directory_domains,
    installation_app_offered,
    saml_app_settings,
    saml_service_keys,
    sign_in_outcome,
    sign_in_test_summary,
)


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
    domains = directory_domains(sociallogin.provider.app)
    if provider == "google":
        # Google Workspace names the account's domain in `hd`; private Gmail has none.
        if not data.get("email_verified") or data.get("hd", "").lower() not in domains:
            return None
        email = data.get("email", "")
    elif provider == "microsoft":
        # The tenant-specific endpoints only admit the municipality's own directory.
        email = data.get("mail") or data.get("userPrincipalName") or ""
    else:
        return None
    domain = email.rpartition("@")[2].lower()
    return email if domain in domains else None


def sign_in_refused(request, *, provider: str, reason: str, refusal: str, email: str = "", uid=""):
    """Log a refused single sign-on and answer with the reason, in Danish (403)."""
    security_event_record(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        request=request,
        email=email,
        detail={"provider": provider, "reason": reason, "uid": str(uid)},
    )
    return render(request, "account/sign_in_refused.html", {"refusal": refusal}, status=403)


def _sign_in_test_finish(request, outcome: SignInOutcome | None, error: str = ""):
    """A consultant's test sign-in: keep what came back and how it maps, sign nobody in."""
    request.session[SIGN_IN_TEST_RESULT] = sign_in_test_summary(outcome, error=error)
    return redirect("sign_in_test_result")


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on for people who already have an account here, from the municipality only."""

    def is_open_for_signup(self, request, sociallogin):
        return False

    def list_apps(self, request, provider=None, client_id=None):
        """The municipality's own apps, and the installation's where it alone is served and
        has none of its own (sign_in.installation_app_offered). Context Handler's app gets the
        operator's signing key and the OIOSAML 3 profile; it is not offered until the
        operator has set the key."""
        listed = super().list_apps(request, provider=provider, client_id=client_id)
        listed = [app for app in listed if not app_of_another_municipality(app)]
        own_providers = {app.provider for app in listed if app.pk}
        alone = municipality_is_alone()
        apps = []
        for app in listed:
            if not installation_app_offered(app, own_providers, alone):
                continue
            if app.provider == "saml" and app.client_id == KOMBIT:
                keys = saml_service_keys()
                if keys is None:
                    continue
                app.settings = saml_app_settings(app.settings, keys)
            apps.append(app)
        return apps

    def get_app(self, request, provider, client_id=None):
        # A provider the municipality has not configured does not exist, rather than fail.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404 from None

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """A response the provider's library refused (bad signature, expired, replayed,
        wrong audience): logged, and the person told in Danish."""
        if error in (AuthError.CANCELLED, AuthError.DENIED):
            return  # the person said no at the provider: allauth's own page says so
        extra_context = extra_context or {}
        reason = extra_context.get("saml_last_error_reason") or str(exception or error or "")
        if request.session.pop(SIGN_IN_TEST, None):
            raise ImmediateHttpResponse(_sign_in_test_finish(request, None, error=reason))
        raise ImmediateHttpResponse(
            sign_in_refused(
                request,
                provider=provider.id,
                reason=reason[:500],
                refusal=_(
                    "The answer from %(provider)s could not be accepted: it was not correctly "
                    "signed, had expired or had been used before. Try to sign in again."
                )
                % {"provider": provider.name},
            )
        )

    def pre_social_login(self, request, sociallogin):
        if sociallogin.provider.id in {"saml", UNILOGIN}:
            self._public_sector_login(request, sociallogin)
            return
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

    def _public_sector_login(self, request, sociallogin):
        """Context Handler and Unilogin: their claims decide the role or the institutions on
        every sign-in (institutions.sign_in), so a privilege taken away there counts here."""
        outcome = sign_in_outcome(sociallogin)
        if request.session.pop(SIGN_IN_TEST, None):
            raise ImmediateHttpResponse(_sign_in_test_finish(request, outcome))
        if outcome.refused:
            raise ImmediateHttpResponse(
                sign_in_refused(
                    request,
                    provider=outcome.provider,
                    reason=outcome.reason,
                    refusal=outcome.refusal,
                    email=outcome.email,
                    uid=sociallogin.account.uid,
                )
            )
        sign_in_apply(outcome=outcome)
        if not sociallogin.is_existing:
            sociallogin.connect(request, outcome.person)
