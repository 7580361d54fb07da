"""What a consultant's administration pages change, where it reaches past the institutions
themselves."""

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actions.services import progress_sync
from core import fragments
from goals.models import Strategy
from institutions.models import Actor, Institution, User
from institutions.selectors import municipality_current
from institutions.services import municipality_name, person_invite


class NotEmpty(Exception):
    """The installation already holds another municipality's data."""


@transaction.atomic
def institution_save(*, institution: Institution) -> Institution:
    """Create or change an institution; its progress rows follow its kind at once."""
    institution.full_clean()
    institution.save()
    progress_sync(institution_ids=[institution.pk])
    # Its name and kind show on every page; its rows in every count.
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS, fragments.institution(institution.pk))
    return institution


@transaction.atomic
def actor_save(*, actor: Actor) -> Actor:
    """Add or rename a kind of institution. A new kind gets a code from its name (kept when
    it is renamed, so spreadsheets and links that use it still work)."""
    if not actor.code:
        base = slugify(actor.name)[:40] or "type"
        code, number = base, 1
        while Actor.objects.filter(code=code).exists():
            number += 1
            code = f"{base}-{number}"
        actor.code = code
    actor.full_clean()
    actor.save()
    # Its name shows in the strategy, on the dashboard and in the reports.
    fragments.changed(fragments.STRATEGY, fragments.PROGRESS)
    return actor


@transaction.atomic
def municipality_start(
    *, name: str, email: str, first_name: str = "", last_name: str = "", base_url: str
) -> User:
    """Start an empty installation: the municipality's name, its administration (which
    follows central projects and keeps the municipal handleplan) and its first consultant,
    invited by e-mail. Safe to run again with the same name: it invites the consultant
    again while they have no password. Raises NotEmpty for a database that holds data."""
    municipality = municipality_current()
    if not municipality.is_named:
        if User.objects.exists() or Strategy.objects.exists():
            raise NotEmpty(_("The database already holds data. Start from an empty database."))
        municipality.name = name
        municipality_name(municipality=municipality)
    elif municipality.name != name:
        raise NotEmpty(
            _("This installation was started for %(name)s.") % {"name": municipality.name}
        )
    administration = Actor.objects.get(code=Actor.ADMINISTRATION)
    if not administration.institutions.exists():
        institution_save(
            institution=Institution(name=_("The administration"), actor=administration)
        )
    consultant = User.objects.filter(email__iexact=email).first()
    if consultant is None:
        person = User(email=email, first_name=first_name, last_name=last_name)
        person.role = User.Role.CONSULTANT
        consultant = person_invite(
            person=person,
            institutions=[],
            membership_role="",
            invited_by=None,
            base_url=base_url,
        )
    return consultant
