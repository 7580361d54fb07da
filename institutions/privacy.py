"""A person made anonymous while the history they are part of stays whole."""

from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from core import fragments

from .audit import security_event_record
from .models import Membership, SecurityEvent, User


@transaction.atomic
def person_anonymise(*, person: User, by: User) -> User:
    """Remove what identifies a person (name, e-mail, sign-in, second factors, memberships,
    sessions) and keep the row, so every change they made stays in the history, now under
    "Anonym bruger <number>"."""
    person.first_name, person.last_name = "Anonym", f"bruger {person.pk}"
    person.email = f"anonym-{person.pk}@anonymiseret.invalid"
    person.is_active = False
    person.set_unusable_password()
    person.save()
    EmailAddress.objects.filter(user=person).delete()
    Authenticator.objects.filter(user=person).delete()
    SocialAccount.objects.filter(user=person).delete()
    Membership.objects.filter(user=person).delete()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk):
            # Through the session engine, so its cached copy goes too.
            import_module(settings.SESSION_ENGINE).SessionStore(session.session_key).delete()
    # What the security log knew about them: the address they typed, where they came from.
    SecurityEvent.objects.filter(subject=person).update(email="", ip_address=None)
    SecurityEvent.objects.filter(actor=person).update(email="", ip_address=None)
    security_event_record(kind=SecurityEvent.Kind.PERSON_ANONYMISED, actor=by, subject=person)
    fragments.changed(fragments.PEOPLE)
    return person
