"""Sign-in the Danish public-sector way: what KOMBIT's Context Handler (SAML, OIOSAML 3) and
Unilogin (OpenID Connect) say about a person, and what that makes them here.

The rules read the claims, the municipality's configuration (kept in allauth's SocialApp,
edited on the sign-in settings page) and who is known here, and change nothing: they return a
SignInOutcome, which either names the person, role and institutions, or says in Danish why
the sign-in is refused. The adapter applies an outcome at sign-in; the test page only shows it."""

import base64
import binascii
import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from allauth.socialaccount.models import SocialApp
from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from core import tenancy

from .models import Institution, Membership, User
from .selectors import municipality_current

# The SocialApps the settings page keeps: Context Handler (allauth's SAML provider, this
# organisation slug) and Unilogin (our OpenID Connect provider, institutions.unilogin).
KOMBIT = "kombit"
UNILOGIN = "unilogin"
# allauth's provider for each: Context Handler is its SAML provider's app named KOMBIT.
ALLAUTH_PROVIDERS = {KOMBIT: "saml", UNILOGIN: UNILOGIN}

# OIOSAML 3 attribute names (Digitaliseringsstyrelsen's profile, used by Context Handler).
SAML_SPEC_VERSION = "https://data.gov.dk/model/core/specVersion"
SAML_LEVEL = "https://data.gov.dk/concept/core/nsis/loa"
SAML_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
SAML_UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
SAML_EMAIL = "https://data.gov.dk/model/core/eid/email"
SAML_FIRST_NAME = "https://data.gov.dk/model/core/eid/firstName"
SAML_LAST_NAME = "https://data.gov.dk/model/core/eid/lastName"
SAML_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
# A privilege group in the basic privilege profile names the organisation it holds for so.
PRIVILEGE_SCOPE = "urn:dk:gov:saml:cvrNumberIdentifier:"

# NSIS levels of assurance, lowest first; a sign-in needs at least "Substantial".
LEVELS = ["Low", "Substantial", "High"]
LEVEL_REQUIRED = "Substantial"

# Unilogin's claims: only staff ("Medarbejder") may sign in, never pupils, parents or others.
UNILOGIN_GROUP_CLAIM = "aktoer_gruppe"
UNILOGIN_STAFF = "Medarbejder"
UNILOGIN_DEFAULTS = {
    "server_url": "https://broker.unilogin.dk/auth/realms/broker",
    "institution_claim": "institution_ids",
    "staff_type_claim": "funktionsmarkering",
    "leader_types": ["Leder", "Ledelse"],
    "resource_person_types": ["Lærer", "Pædagog", "Konsulent"],
}

# Roles a Context Handler privilege can give, strongest first: a person with several gets
# the strongest.
SAML_ROLES = [User.Role.CONSULTANT, User.Role.COMMITTEE, User.Role.STAFF]


@dataclass
class SignInOutcome:
    """What a sign-in makes of a person: their role, or their memberships, or a refusal."""

    provider: str
    claims: dict
    person: User | None = None
    email: str = ""
    role: str = ""
    memberships: list[tuple[Institution, str]] = field(default_factory=list)
    # Context Handler's privileges for the municipality's CVR number, as they came.
    privileges: list[str] = field(default_factory=list)
    reason: str = ""
    refusal: str = ""

    @property
    def refused(self) -> bool:
        return bool(self.reason)

    def refuse(self, reason: str, refusal: str) -> "SignInOutcome":
        self.reason = reason
        self.refusal = refusal
        return self


def _first(values) -> str:
    if isinstance(values, list | tuple):
        return str(values[0]).strip() if values else ""
    return "" if values is None else str(values).strip()


def _all(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, list | tuple):
        return [str(value).strip() for value in values if str(value).strip()]
    return [part.strip() for part in str(values).split(",") if part.strip()]


def _person(*, linked: User | None, email: str) -> User | None:
    """Known people only: the person linked by an earlier sign-in, or an active person with
    the address the provider vouches for."""
    if linked is not None:
        return linked if linked.is_active else None
    if not email:
        return None
    return User.objects.filter(email__iexact=email, is_active=True).first()


def privileges_for(encoded: str, cvr: str) -> list[str]:
    """The privileges a base64-encoded basic privilege profile gives for this CVR number."""
    try:
        document = ElementTree.fromstring(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return []
    privileges = []
    for group in document.iter():
        if group.tag.rpartition("}")[2] != "PrivilegeGroup":
            continue
        if group.get("Scope", "") != PRIVILEGE_SCOPE + cvr:
            continue
        privileges += [
            (element.text or "").strip()
            for element in group.iter()
            if element.tag.rpartition("}")[2] == "Privilege"
        ]
    return [privilege for privilege in privileges if privilege]


def saml_role(privileges: list[str], roles: dict[str, list[str]]) -> str:
    """The strongest role the configured privileges give, or "" for none."""
    for role in SAML_ROLES:
        if set(roles.get(role, [])) & set(privileges):
            return role
    return ""


def saml_outcome(*, attributes: dict, app_settings: dict, linked: User | None) -> SignInOutcome:
    """Context Handler's assertion: the municipality's CVR number, at least substantial
    assurance, a privilege that maps to a role here, and a person known here."""
    email = _first(attributes.get(SAML_EMAIL))
    outcome = SignInOutcome(provider=KOMBIT, claims=attributes, email=email)
    cvr = municipality_current().cvr
    if not cvr or _first(attributes.get(SAML_CVR)) != cvr:
        return outcome.refuse(
            "cvr",
            _(
                "You signed in for another municipality or organisation than %(municipality)s. "
                "Choose %(municipality)s when KOMBIT asks which organisation you act for."
            )
            % {"municipality": municipality_current().name},
        )
    level = _first(attributes.get(SAML_LEVEL))
    if level not in LEVELS or LEVELS.index(level) < LEVELS.index(LEVEL_REQUIRED):
        return outcome.refuse(
            "level",
            _(
                "Your sign-in is not secure enough for this service: it needs at least the "
                "level “betydelig” (substantial), e.g. MitID. Sign in again with MitID."
            ),
        )
    outcome.privileges = privileges_for(_first(attributes.get(SAML_PRIVILEGES)), cvr)
    outcome.role = saml_role(outcome.privileges, app_settings.get("roles", {}))
    if not outcome.role:
        return outcome.refuse(
            "role",
            _(
                "Your user in the municipality's user administration has no role for this "
                "service. Ask your manager or the municipality's IT department to give you one."
            ),
        )
    outcome.person = _person(linked=linked, email=email)
    if outcome.person is None:
        return outcome.refuse("person", _unknown_person_message())
    return outcome


def unilogin_outcome(*, claims: dict, app_settings: dict, linked: User | None) -> SignInOutcome:
    """Unilogin's claims: staff only, at one of our institutions (by institution number),
    with a function the municipality maps to leader or resource person, and known here."""
    settings_ = {**UNILOGIN_DEFAULTS, **app_settings}
    email = _first(claims.get("email"))
    outcome = SignInOutcome(provider=UNILOGIN, claims=claims, email=email)
    if _first(claims.get(UNILOGIN_GROUP_CLAIM)) != UNILOGIN_STAFF:
        return outcome.refuse(
            "group",
            _(
                "Only staff at the municipality's schools and daycare institutions can sign in "
                "here with Unilogin, not pupils, parents or external users."
            ),
        )
    numbers = _all(claims.get(settings_["institution_claim"]))
    institutions = list(
        Institution.objects.filter(institution_number__in=numbers, is_active=True).order_by("name")
    )
    if not institutions:
        return outcome.refuse(
            "institution",
            _(
                "Unilogin says you work at an institution this service does not know "
                "(institution number %(numbers)s). Ask a consultant to add the institution "
                "number to your institution."
            )
            % {"numbers": ", ".join(numbers) or "–"},
        )
    types = set(_all(claims.get(settings_["staff_type_claim"])))
    if types & set(settings_["leader_types"]):
        role = Membership.Role.LEADER
    elif types & set(settings_["resource_person_types"]):
        role = Membership.Role.RESOURCE_PERSON
    else:
        return outcome.refuse(
            "role",
            _(
                "Your function in Unilogin (%(types)s) gives no access to this service. Ask a "
                "consultant if you should have access."
            )
            % {"types": ", ".join(sorted(types)) or "–"},
        )
    outcome.memberships = [(institution, role) for institution in institutions]
    outcome.person = _person(linked=linked, email=email)
    if outcome.person is None:
        return outcome.refuse("person", _unknown_person_message())
    return outcome


def _unknown_person_message() -> str:
    return _(
        "You are not known in this service yet. Ask a consultant to create you with your work "
        "e-mail address; then you can sign in."
    )


# Context Handler and Unilogin are set up by each municipality's consultants: its apps say
# whose they are under this key of their settings.
APP_MUNICIPALITY = "municipality"


def municipality_apps():
    """The sign-in apps of the municipality acted for (core.tenancy)."""
    return SocialApp.objects.filter(**{f"settings__{APP_MUNICIPALITY}": tenancy.current()})


def app_of_another_municipality(app: SocialApp) -> bool:
    """An app kept in the database for another municipality (the apps of the installation's
    settings, Entra ID and Google, have no key)."""
    return bool(app.pk) and app.settings.get(APP_MUNICIPALITY) != tenancy.current()


# Microsoft Entra ID and Google Workspace: each municipality sets up its own tenant or domain
# on the sign-in settings page. The installation's settings (SSO_MICROSOFT_*, SSO_GOOGLE_*) are
# the older way, kept for an installation of one municipality.
DIRECTORIES = {"microsoft": "Microsoft Entra ID", "google": "Google Workspace"}
DIRECTORY_ORIGINS = {
    "microsoft": "https://login.microsoftonline.com",
    "google": "https://accounts.google.com",
}


def directory_app(provider: str) -> SocialApp | None:
    """The municipality's own Entra ID or Google Workspace app, if a consultant set it up."""
    return municipality_apps().filter(provider=provider).first()


def directory_domains(app: SocialApp) -> list[str]:
    """The e-mail domains a sign-in through `app` may come from: the municipality's app names
    them; an app of the installation's settings takes SSO_ALLOWED_DOMAINS."""
    return app.settings.get("domains", []) if app.pk else settings.SSO_ALLOWED_DOMAINS


def installation_app_offered(app: SocialApp, own_providers: set[str], alone: bool) -> bool:
    """An app of the installation's settings is offered only in an installation of one
    municipality, and only where that municipality has not set up the provider itself."""
    return bool(app.pk) or (alone and app.provider not in own_providers)


def sign_in_app(provider: str) -> SocialApp | None:
    """The configured app of Context Handler or Unilogin, if a consultant has set it up."""
    apps = municipality_apps().filter(provider=ALLAUTH_PROVIDERS[provider])
    return (apps.filter(client_id=KOMBIT) if provider == KOMBIT else apps).first()


def saml_service_keys() -> dict[str, str] | None:
    """The operator's key and certificate this service signs SAML requests with, if set."""
    if not (settings.SAML_SP_CERTIFICATE_FILE and settings.SAML_SP_PRIVATE_KEY_FILE):
        return None
    return _key_files(settings.SAML_SP_CERTIFICATE_FILE, settings.SAML_SP_PRIVATE_KEY_FILE)


@functools.lru_cache(maxsize=4)
def _key_files(certificate_path: str, key_path: str) -> dict[str, str]:
    # Read once per process: every sign-in page lists the apps, and the files change only
    # with a deployment (a new certificate means a restart).
    with (
        open(certificate_path, encoding="ascii") as certificate,
        open(key_path, encoding="ascii") as key,
    ):
        return {"x509cert": certificate.read(), "private_key": key.read()}


def sign_in_origins(apps: list[SocialApp]) -> list[str]:
    """Where the sign-in buttons of `apps` send the browser, for the login page's form-action
    policy."""
    origins = []
    for app in apps:
        url = (
            DIRECTORY_ORIGINS.get(app.provider)
            or app.settings.get("idp", {}).get("sso_url")
            or app.settings.get("server_url", "")
        )
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in {"http", "https"} and parts.netloc and origin not in origins:
            origins.append(origin)
    return origins


# The session keys of a consultant's test sign-in: set when it starts, its result after.
SIGN_IN_TEST = "sign_in_test"
SIGN_IN_TEST_RESULT = "sign_in_test_result"


def saml_app_settings(stored: dict, keys: dict[str, str]) -> dict:
    """Context Handler's app as allauth's SAML provider runs it: OIOSAML 3 attribute names,
    requests signed with the operator's key, assertions that must be signed and encrypted,
    and no sign-in the service did not ask for."""
    return {
        **stored,
        "attribute_mapping": {
            "uid": [SAML_UUID],
            "email": [SAML_EMAIL],
            "first_name": [SAML_FIRST_NAME],
            "last_name": [SAML_LAST_NAME],
        },
        "advanced": {
            **keys,
            "authn_request_signed": True,
            "want_assertion_signed": True,
            "want_assertion_encrypted": True,
            "metadata_signed": True,
            "reject_idp_initiated_sso": True,
            "strict": True,
        },
    }


def sign_in_outcome(sociallogin) -> SignInOutcome:
    """What Context Handler's or Unilogin's answer makes of the person signing in."""
    app_settings = sociallogin.provider.app.settings
    linked = sociallogin.user if sociallogin.is_existing else None
    data = sociallogin.account.extra_data
    if sociallogin.provider.id == "saml":
        return saml_outcome(attributes=data, app_settings=app_settings, linked=linked)
    claims = {**data.get("id_token", {}), **data.get("userinfo", {})}
    return unilogin_outcome(claims=claims, app_settings=app_settings, linked=linked)


def sign_in_test_summary(outcome: SignInOutcome | None, *, error: str = "") -> dict:
    """A test sign-in's result as the test page shows it (kept in the session as JSON)."""
    if outcome is None:
        return {"error": error[:1000]}
    return {
        "provider": "KOMBIT Context Handler" if outcome.provider == KOMBIT else "Unilogin",
        "claims": sorted(
            (name, ", ".join(_all(value)) if isinstance(value, list) else str(value))
            for name, value in outcome.claims.items()
        ),
        "person": str(outcome.person or ""),
        "email": outcome.email,
        "role": str(User.Role(outcome.role).label) if outcome.role else "",
        "privileges": outcome.privileges,
        "memberships": [
            f"{institution}: {Membership.Role(role).label}"
            for institution, role in outcome.memberships
        ],
        "refusal": outcome.refusal,
    }
