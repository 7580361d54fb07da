from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from core import fragments, tenancy

from .audit import security_event_record
from .models import Actor, Membership, Municipality, MunicipalRole, SecurityEvent, User
from .selectors import HOSTS_CACHE_KEY, MUNICIPALITY_CACHE_KEY, municipality_current
from .sign_in import (
    ALLAUTH_PROVIDERS,
    APP_MUNICIPALITY,
    DIRECTORIES,
    KOMBIT,
    SignInOutcome,
    directory_app,
    sign_in_app,
)


def _memberships_set(*, user: User, institutions, role: str) -> None:
    Membership.objects.filter(user=user).exclude(institution__in=institutions).delete()
    for institution in institutions:
        Membership.objects.update_or_create(
            user=user, institution=institution, defaults={"role": role}
        )


@transaction.atomic
def person_invite(
    *, person: User, institutions, membership_role: str, invited_by: User | None, base_url: str
) -> User:
    """Create a person who sets their own password through a one-time link sent by e-mail."""
    person.set_unusable_password()
    person.full_clean()
    person.save()
    _memberships_set(user=person, institutions=institutions, role=membership_role)
    security_event_record(
        kind=SecurityEvent.Kind.PERSON_INVITED,
        actor=invited_by,
        subject=person,
        detail=_access_of(person),
    )
    tenancy.on_commit(
        lambda: invitation_send(person=person, invited_by=invited_by, base_url=base_url)
    )
    fragments.changed(fragments.PEOPLE)
    return person


def _access_audit(person: User, *, before: dict, actor: User | None = None, **detail) -> bool:
    """Log a change of the person's role or institutions since `before`; say if there was one."""
    after = _access_of(person)
    if after == before:
        return False
    security_event_record(
        kind=SecurityEvent.Kind.ROLE_CHANGED,
        actor=actor,
        subject=person,
        detail={"before": before, "after": after, **detail},
    )
    return True


def _access_of(person: User) -> dict:
    return {
        "role": person.role,
        "superuser": person.is_superuser,
        "memberships": sorted(
            f"{name}: {role}"
            for name, role in person.memberships.values_list("institution__name", "role")
        ),
    }


@transaction.atomic
def person_update(*, person: User, institutions, membership_role: str, changed_by: User) -> User:
    """Change a person's details, role and institutions; access changes are audited."""
    before = _access_of(User.objects.get(pk=person.pk))
    person.full_clean()
    person.save()
    _memberships_set(user=person, institutions=institutions, role=membership_role)
    _access_audit(person, before=before, actor=changed_by)
    fragments.changed(fragments.PEOPLE)
    return person


@transaction.atomic
def person_deactivate(*, person: User, by: User) -> User:
    """Stop a person signing in. Their sessions end at once: an inactive user's session
    no longer authenticates."""
    person.is_active = False
    person.save(update_fields=["is_active"])
    security_event_record(kind=SecurityEvent.Kind.PERSON_DEACTIVATED, actor=by, subject=person)
    fragments.changed(fragments.PEOPLE)
    return person


def invitation_link(*, person: User, base_url: str) -> str:
    """The address where the person chooses a password; it works once."""
    key = f"{user_pk_to_url_str(person)}-{default_token_generator.make_token(person)}"
    uidb36, token = key.split("-", 1)
    return base_url + reverse(
        "account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token}
    )


@transaction.atomic
def person_join(
    *, person: User, role: str, institutions, membership_role: str, invited_by: User, base_url: str
) -> User:
    """Give a person who works for another municipality a role in this one too: the same
    account, so the same password and name; they are told by e-mail where to sign in."""
    person.role = role
    person.save(update_fields=["role"])
    _memberships_set(user=person, institutions=institutions, role=membership_role)
    security_event_record(
        kind=SecurityEvent.Kind.PERSON_INVITED,
        actor=invited_by,
        subject=person,
        detail=_access_of(person),
    )
    context = {
        "person": person,
        "invited_by": invited_by,
        "link": f"{base_url}{reverse('account_login')}",
        "site_name": settings.SITE_NAME,
        "municipality_name": municipality_current().name,
    }
    tenancy.on_commit(
        lambda: send_mail(
            subject=render_to_string(
                "institutions/email/access_given_subject.txt", context
            ).strip(),
            message=render_to_string("institutions/email/access_given_message.txt", context),
            from_email=None,
            recipient_list=[person.email],
        )
    )
    fragments.changed(fragments.PEOPLE)
    return person


def invitation_send(*, person: User, invited_by: User | None, base_url: str) -> None:
    """E-mail a link that lets the person choose a password once."""
    context = {
        "person": person,
        "invited_by": invited_by,
        "link": invitation_link(person=person, base_url=base_url),
        "site_name": settings.SITE_NAME,
        "municipality_name": municipality_current().name,
    }
    send_mail(
        subject=render_to_string("institutions/email/invitation_subject.txt", context).strip(),
        message=render_to_string("institutions/email/invitation_message.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )


def sign_in_limit_lift(*, email: str, by: User) -> None:
    """Let the address try a password again at once: its earlier wrong passwords stop
    counting (institutions.selectors.sign_in_limits reads the event)."""
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN_LIMIT_LIFTED, actor=by, email=email)


@transaction.atomic
def municipality_save(*, municipality: Municipality) -> Municipality:
    """Name the municipality; every page, e-mail and report shows the new name at once."""
    municipality.full_clean()
    municipality.save()
    tenancy.on_commit(lambda: municipality_forgotten(municipality.pk))
    municipality_forgotten(municipality.pk)
    return municipality


# The kinds of institution a new municipality starts with; its consultants rename, add and
# remove kinds under "Kom i gang".
FIRST_KINDS = [("forvaltning", "Forvaltning"), ("skole", "Skole"), ("dagtilbud", "Dagtilbud")]


@transaction.atomic
def municipality_add(*, municipality: Municipality) -> Municipality:
    """Add a municipality to the installation, answering on its own host name, with the
    first kinds of institution. Every municipality then needs a host name: with two, none
    answers for the other on any address."""
    if not municipality.host:
        raise ValidationError({"host": _("A municipality beside others needs a host name.")})
    nameless = Municipality.objects.filter(host="").first()
    if nameless is not None:
        raise ValidationError(
            _("Give %(name)s a host name first: beside another, it answers on no address.")
            % {"name": nameless.name}
        )
    municipality_save(municipality=municipality)
    with tenancy.acting_for(municipality.pk):
        Actor.objects.bulk_create(
            Actor(code=code, name=name, order=order)
            for order, (code, name) in enumerate(FIRST_KINDS, start=1)
        )
    return municipality


def municipality_compare(*, municipality: Municipality, compares: bool) -> Municipality:
    """Join the comparison with other municipalities that build on the same model strategy,
    or leave it."""
    municipality.compares = compares
    return municipality_save(municipality=municipality)


def municipality_name(*, municipality: Municipality) -> Municipality:
    """Save the municipality's name and header text as its consultants gave them: the first
    step of "Kom i gang" is done."""
    municipality.getting_started = {**municipality.getting_started, Municipality.NAMED: "done"}
    return municipality_save(municipality=municipality)


def municipality_forgotten(pk: int) -> None:
    """Its name and host name are read afresh: by its own pages, and by the platform's
    choice of municipality for a host (after a change, or once it is removed)."""
    with tenancy.acting_for(pk):
        cache.delete(MUNICIPALITY_CACHE_KEY)
    with tenancy.for_the_platform():
        cache.delete(HOSTS_CACHE_KEY)


def getting_started_mark(*, step: str, state: str | None) -> Municipality:
    """Mark a step of "Kom i gang" done or skipped, or (None) open again."""
    municipality = municipality_current()
    steps = dict(municipality.getting_started)
    if state is None:
        steps.pop(step, None)
    else:
        steps[step] = state
    municipality.getting_started = steps
    return municipality_save(municipality=municipality)


@transaction.atomic
def sign_in_apply(*, outcome: SignInOutcome) -> User:
    """Give the person what Context Handler or Unilogin says they are: their role, or their
    memberships at the institutions named; a change of access is audited."""
    person = outcome.person
    if person is None or outcome.refused:
        raise ValueError("A refused sign-in is never applied.")
    before = _access_of(person)
    if outcome.role and person.role != outcome.role:
        person.role = outcome.role
        person.save(update_fields=["role"])
    for institution, role in outcome.memberships:
        Membership.objects.update_or_create(
            user=person, institution=institution, defaults={"role": role}
        )
    if _access_audit(person, before=before, by=outcome.provider):
        fragments.changed(fragments.PEOPLE)
    return person


@transaction.atomic
def sign_in_configure(
    *, provider: str, name: str, client_id: str, secret: str | None, settings: dict
) -> SocialApp:
    """Save the configuration of Context Handler, Unilogin, Entra ID or Google Workspace for
    the municipality acted for (a secret of None keeps the one saved before)."""
    if provider in DIRECTORIES:
        app = directory_app(provider) or SocialApp(provider=provider)
    else:
        app = sign_in_app(provider) or SocialApp(provider=ALLAUTH_PROVIDERS[provider])
    app.name = name
    app.client_id = client_id
    if secret is not None:
        app.secret = secret
    app.settings = {**settings, APP_MUNICIPALITY: tenancy.current()}
    app.full_clean()
    app.save()
    return app


@transaction.atomic
def kombit_configure(*, cvr: str, settings: dict) -> SocialApp:
    """Connect Context Handler: the municipality's CVR number and KOMBIT's configuration."""
    municipality = municipality_current()
    municipality.cvr = cvr
    municipality_save(municipality=municipality)
    return sign_in_configure(
        provider=KOMBIT,
        name="KOMBIT Context Handler",
        client_id=KOMBIT,
        secret=None,
        settings=settings,
    )


@transaction.atomic
def operators_admit(*, admitted: bool, by: User) -> int:
    """Give the platform's operators read access to the municipality acted for (the
    committee's role: they read everything and change nothing), or take every role they
    have here back; each change is audited. Returns how many operators changed."""
    changed = 0
    for operator in User.every_municipality.filter(is_operator=True, is_active=True):
        role = MunicipalRole.objects.filter(user=operator).values_list("role", flat=True).first()
        if admitted and role is None:
            MunicipalRole.objects.create(user=operator, role=User.Role.COMMITTEE)
        elif not admitted and role is not None:
            MunicipalRole.objects.filter(user=operator).delete()
        else:
            continue
        changed += 1
        security_event_record(
            kind=SecurityEvent.Kind.ROLE_CHANGED,
            actor=by,
            subject=operator,
            detail={
                "before": {"role": role},
                "after": {"role": User.Role.COMMITTEE if admitted else None},
                "operator": True,
            },
        )
    if changed:
        fragments.changed(fragments.PEOPLE)
    return changed


def operator_save(*, email: str, password: str) -> tuple[User, str | None]:
    """Make `email` one of the platform's operators with `password` (checked by the
    password validators), or give an existing operator that password. An operator signs in
    with a code from an authenticator app too: a new one gets its secret, returned as the
    address an app reads (otpauth://); None for an operator who has one."""
    operator = User.every_municipality.filter(email__iexact=email).first()
    if operator is None:
        operator = User(email=User.every_municipality.normalize_email(email))
    elif not operator.is_operator:
        raise ValidationError(
            _(
                "%(email)s is one of a municipality's people; give the operator an address "
                "of its own."
            )
            % {"email": email}
        )
    operator.is_operator = True
    validate_password(password, operator)
    operator.set_password(password)
    operator.full_clean(exclude=["password"], validate_unique=False)
    with tenancy.for_the_platform():
        operator.save()
    if Authenticator.objects.filter(user=operator, type=Authenticator.Type.TOTP).exists():
        return operator, None
    secret = generate_totp_secret()
    TOTP.activate(operator, secret)
    return operator, get_mfa_adapter().build_totp_url(operator, secret)
