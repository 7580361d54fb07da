import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    CharField,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext as _

from core import tenancy
from core.memo import kept_on
from core.spreadsheets import danish_forms

from .models import (
    Actor,
    Institution,
    Membership,
    Municipality,
    MunicipalRole,
    SecurityEvent,
    User,
)


def memberships_of(user: User) -> list[Membership]:
    """The person's memberships with their institutions, by name: read once for the user
    object, which lives as long as the request, however many checks and headers ask."""
    return kept_on(
        user,
        "memberships",
        lambda: list(user.memberships.select_related("institution").order_by("institution__name")),
    )


def user_role_label(user: User) -> str:
    """What the header says about who is signed in, e.g. "Leder, Nordby Skole"."""
    if user.is_superuser:
        return _("Superuser")
    if user.role != User.Role.STAFF:
        return user.get_role_display()
    return (
        "; ".join(
            f"{membership.get_role_display()}, {membership.institution.name}"
            for membership in memberships_of(user)
        )
        or user.get_role_display()
    )


def person_name(user: User | None) -> str:
    """How a person appears in history; a deactivated person as the municipality chose."""
    if user is None:
        return _("Unknown")
    if not user.is_active and settings.DEACTIVATED_PERSON_SHOWN_AS == "former":
        return _("Former user")
    return user.get_full_name() or user.email


def institutions_listed(*, search: str = "", actor: Actor | None = None) -> QuerySet[Institution]:
    """The institutions by kind and name, narrowed in the database by a search of their
    names and areas and by kind; a pager reads one page of them at a time."""
    institutions = Institution.objects.select_related("actor").order_by("actor__order", "name")
    if search:
        institutions = institutions.filter(Q(name__icontains=search) | Q(area__icontains=search))
    if actor is not None:
        institutions = institutions.filter(actor=actor)
    return institutions


INSTITUTION_HEADINGS = [
    "Navn",
    "Type",
    "Område",
    "Antal børn",
    "Leder (e-mail)",
    "Institutionsnummer",
]


def institution_rows() -> Iterator[list]:
    """Every institution as a row under INSTITUTION_HEADINGS (the import's Danish headings,
    so it imports back), read from the database in chunks as the rows are used."""
    leaders: dict[int, str] = {}
    for membership in Membership.objects.filter(role=Membership.Role.LEADER).select_related("user"):
        leaders.setdefault(membership.institution_id, membership.user.email)
    institutions = Institution.objects.select_related("actor").order_by("actor__order", "name")
    for institution in institutions.iterator(chunk_size=500):
        yield [
            institution.name,
            institution.actor.name,
            institution.area,
            institution.children_count if institution.children_count is not None else "",
            leaders.get(institution.pk, ""),
            institution.institution_number,
        ]


# --- Sign-in limits: per account, a growing wait ---------------------------------------------

FREE_SIGN_IN_ATTEMPTS = 5
FIRST_SIGN_IN_WAIT = dt.timedelta(seconds=30)
LONGEST_SIGN_IN_WAIT = dt.timedelta(minutes=15)
SIGN_IN_MEMORY = dt.timedelta(days=1)


@dataclass(frozen=True)
class SignInLimit:
    email: str
    failures: int
    last_failure: dt.datetime
    wait_until: dt.datetime


def _wait_after(failures: int) -> dt.timedelta:
    """No wait for the first FREE_SIGN_IN_ATTEMPTS wrong passwords, then 30 seconds, doubling
    with each further one, at most 15 minutes."""
    if failures < FREE_SIGN_IN_ATTEMPTS:
        return dt.timedelta(0)
    return min(FIRST_SIGN_IN_WAIT * 2 ** (failures - FREE_SIGN_IN_ATTEMPTS), LONGEST_SIGN_IN_WAIT)


def sign_in_limits(*, emails: list[str] | None = None, now: dt.datetime) -> list[SignInLimit]:
    """The addresses that must wait before a password is tried again, from the security log:
    wrong passwords since the later of the last sign-in, the last lifted limit and a day ago.
    `emails` narrows it to those addresses. Two queries."""
    recent = SecurityEvent.objects.filter(at__gt=now - SIGN_IN_MEMORY).annotate(
        address=Lower(
            Coalesce(NullIf("email", Value("")), "subject__email", output_field=CharField())
        )
    )
    failed = recent.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).exclude(email="")
    if emails is not None:
        failed = failed.filter(address__in=[email.lower() for email in emails])
    failures: dict[str, list[dt.datetime]] = {}
    for address, at in failed.order_by("at").values_list("address", "at"):
        failures.setdefault(address, []).append(at)
    resets = dict(
        recent.filter(
            kind__in=[SecurityEvent.Kind.LOGIN, SecurityEvent.Kind.SIGN_IN_LIMIT_LIFTED],
            address__in=list(failures),
        )
        .values("address")
        .annotate(latest=Max("at"))
        .values_list("address", "latest")
    )
    limits = []
    for email, times in failures.items():
        since = [at for at in times if email not in resets or at > resets[email]]
        if not since:
            continue
        wait_until = since[-1] + _wait_after(len(since))
        if wait_until > now:
            limits.append(SignInLimit(email, len(since), since[-1], wait_until))
    return sorted(limits, key=lambda limit: limit.wait_until, reverse=True)


def _count_of(rows: QuerySet, field: str) -> Coalesce:
    """How many of `rows` have `field` equal to the outer kind, as a subquery."""
    counted = rows.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(counted.annotate(n=Count("*")).values("n")), 0)


def actors_with_use() -> QuerySet[Actor]:
    """The kinds of institution, each with how many institutions and actions it has: each
    counted on its own (two joins at once would multiply the rows, thousands by hundreds)."""
    return Actor.objects.annotate(
        institution_count=_count_of(Institution.objects.all(), "actor"),
        action_count=_count_of(Actor.actions.through.objects.all(), "actor"),
    ).order_by("order", "name")


def actor_next_order() -> int:
    """The place a new kind of institution takes: after the others."""
    return (Actor.objects.aggregate(last=Max("order"))["last"] or 0) + 1


def actor_words() -> dict[str, str]:
    """Every way a spreadsheet may name a kind of institution → its code: the kind's name
    and code as the municipality set them, and their Danish inflections. One query."""
    words: dict[str, str] = {}
    for code, name in Actor.objects.order_by("order", "pk").values_list("code", "name"):
        for base in (name, code):
            for form in danish_forms(" ".join(base.split())):
                words.setdefault(form, code)
    return words


MUNICIPALITY_CACHE_KEY = "municipality"
HOSTS_CACHE_KEY = "municipality-hosts-2"  # -2: a _Hosts, no longer a dict


def municipality_current() -> Municipality:
    """The municipality acted for (core.tenancy). Cached: every page header shows it."""
    municipality = cache.get(MUNICIPALITY_CACHE_KEY)
    if municipality is None:
        municipality = Municipality.objects.get(pk=tenancy.current())
        cache.set(MUNICIPALITY_CACHE_KEY, municipality, 60 * 60)
    return municipality


def municipality_site_url() -> str:
    """The address of the municipality acted for, for links in e-mails sent by a task: its
    host name with SITE_URL's scheme, or SITE_URL itself where it has none (an installation
    of one municipality)."""
    host = municipality_current().host
    if not host:
        return settings.SITE_URL
    scheme = settings.SITE_URL.split("://", 1)[0]
    return f"{scheme}://{host}"


@dataclass(frozen=True)
class _Hosts:
    by_name: dict[str, int]  # each host name's municipality
    unnamed: int | None  # the installation's only municipality, where it has no host name
    alone: bool  # the installation serves one municipality


def _hosts() -> _Hosts:
    """Which municipality answers where. Cached for the platform; forgotten on every change
    of a municipality (institutions.services.municipality_forgotten)."""
    with tenancy.for_the_platform():
        hosts = cache.get(HOSTS_CACHE_KEY)
        if hosts is None:
            rows = list(Municipality.objects.values_list("host", "pk"))
            hosts = _Hosts(
                by_name={name.lower(): pk for name, pk in rows if name},
                unnamed=rows[0][1] if len(rows) == 1 and not rows[0][0] else None,
                alone=len(rows) == 1,
            )
            cache.set(HOSTS_CACHE_KEY, hosts, 60 * 60)
    return hosts


def municipality_for_host(host: str) -> int | None:
    """The municipality that answers on `host`: the one with that host name, else the only
    one there is where it has no host name (an installation that never named one); None
    where no municipality answers."""
    hosts = _hosts()
    return hosts.by_name.get(host.lower(), hosts.unnamed)


def municipality_is_alone() -> bool:
    """Whether the installation serves one municipality only."""
    return _hosts().alone


def each_municipality() -> Iterator[int]:
    """Act for each municipality in turn, yielding its key: the work of a periodic task or a
    command is each municipality's own."""
    for pk in list(Municipality.objects.order_by("pk").values_list("pk", flat=True)):
        with tenancy.acting_for(pk):
            yield pk


def operators_admitted() -> QuerySet:
    """The platform's operators, each `admitted` where the municipality acted for has given
    them a role (read past the people manager: operators belong to no municipality)."""
    return (
        User.every_municipality.filter(is_operator=True, is_active=True)
        .annotate(admitted=Exists(MunicipalRole.objects.filter(user=OuterRef("pk"))))
        .order_by("email")
    )
