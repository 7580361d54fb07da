"""Who a password or a session names: one of the municipality's people on its host, one of
the platform's operators on the platform's host (PLATFORM_HOST), nobody anywhere else."""

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.backends import ModelBackend

from core import tenancy

from .models import User


def _operators():
    # Operators belong to no municipality: read past the people manager, on purpose.
    return User.every_municipality.filter(is_operator=True, is_active=True)


class OperatorBackend(ModelBackend):
    """An operator's password and session count where the request acts for no municipality
    (the platform's host); on a municipality's host an operator is one of its people only
    where it has given them a role."""

    def authenticate(self, request, username=None, password=None, code=None, **kwargs):
        """The operator's password and a code from their authenticator app (`code`)."""
        if tenancy.chosen() is not None or not username or password is None or not code:
            return None
        operator = _operators().filter(email__iexact=username).first()
        if operator is None:
            User().set_password(password)  # as long as a wrong password, for timing
            return None
        if not operator.check_password(password):
            return None
        authenticator = Authenticator.objects.filter(
            user=operator, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None or not TOTP(authenticator).validate_code(code):
            return None
        return operator

    def get_user(self, user_id):
        if tenancy.chosen() is not None:
            return None
        return _operators().filter(pk=user_id).first()


class ForMunicipality:
    """A backend of the municipality's people: it names nobody where the request acts for no
    municipality (the platform's host), rather than ask the people manager, which raises."""

    def authenticate(self, request, **credentials):
        if tenancy.chosen() is None:
            return None
        return super().authenticate(request, **credentials)

    def get_user(self, user_id):
        if tenancy.chosen() is None:
            return None
        return super().get_user(user_id)


class PeopleBackend(ForMunicipality, ModelBackend):
    """Django's own: Django admin's sign-in and sessions."""


class PeopleAccountBackend(ForMunicipality, AuthenticationBackend):
    """allauth's: sign-in by e-mail address, and single sign-on."""
