"""Test data made by factories: each test names what it is about and gets sensible values for
the rest. The fixed personas in conftest.py are made with these."""

import factory
from factory.django import DjangoModelFactory, Password

from actions.tallies import tallies_recount
from institutions.models import Actor, Institution, Membership, User

PASSWORD = "a-test-password-2026"


class ActorFactory(DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ("code",)

    code = "skole"
    name = factory.LazyAttribute(lambda actor: actor.code.capitalize())


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Institution {n}")
    actor = factory.SubFactory(ActorFactory)


class PersonFactory(DjangoModelFactory):
    """A person who signs in with the test password; `superuser=True` for Django admin."""

    class Meta:
        model = User

    class Params:
        superuser = factory.Trait(is_superuser=True, is_staff=True)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    role = User.Role.STAFF
    password = Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(PersonFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Membership.Role.LEADER


def rows_written(rows, **values) -> None:
    """Write progress rows directly, past the services (as the scale generator does), and
    recount the stored tallies as every such write must."""
    rows.update(**values)
    tallies_recount()
