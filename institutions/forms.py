from cryptography import x509
from django import forms
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Upper
from django.http.request import validate_host
from django.utils.translation import gettext_lazy as _
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from core.params import IdMultipleChoiceField, id_from

from .models import Actor, Institution, Membership, Municipality, User
from .sign_in import DIRECTORIES, UNILOGIN_DEFAULTS


class ActorForm(forms.ModelForm):
    """A kind of institution as the municipality names it: "Dagpleje", "SFO", "Klub"."""

    class Meta:
        model = Actor
        fields = ["name", "order"]
        help_texts = {
            "name": _("As your strategy and spreadsheets write it, e.g. “Dagpleje” or “SFO”."),
            "order": _("Kinds are shown in this order, lowest first."),
        }

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if Actor.objects.exclude(pk=self.instance.pk).filter(name__iexact=name).exists():
            raise forms.ValidationError(_("There is already a kind with that name."))
        return name


class MunicipalityForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["name", "header_text"]
        help_texts = {"name": _("As it should read everywhere, e.g. “Viborg Kommune”.")}

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "actor", "institution_number", "area", "children_count", "is_active"]


# How many institutions a search offers at a time; narrower words find the rest.
PICKER_LIMIT = 25
PICKER_SEARCH = "institution_search"


class InstitutionPicker(forms.CheckboxSelectMultiple):
    """The institutions chosen, as ticked boxes, and those a search on the server found, as
    boxes to tick: a municipality may have thousands, so never a box for every one of them
    (one with no more than PICKER_LIMIT sees them all).
    The search field and its results are drawn by includes/institution_picker.html."""

    input_type = "checkbox"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.search = ""

    def search_for(self, text: str) -> None:
        """What the consultant typed, as the picker searches for it."""
        self.search = " ".join(text.split())[:100]

    def picker_options(self, name: str, value) -> dict:
        values = value if isinstance(value, list | tuple) else [value]
        chosen_ids = [id_from(item) for item in values if item not in (None, "")]
        chosen_ids = [pk for pk in chosen_ids if pk is not None]
        queryset = self.choices.queryset
        chosen = list(queryset.filter(pk__in=chosen_ids))
        found, more = [], 0
        if not self.search:
            # A small municipality sees all its institutions at once, as boxes to tick.
            few = list(
                queryset.filter(is_active=True).exclude(pk__in=chosen_ids)[: PICKER_LIMIT + 1]
            )
            found = few if len(few) + len(chosen) <= PICKER_LIMIT else []
        else:
            matches = (
                queryset.filter(
                    Q(name__icontains=self.search) | Q(area__icontains=self.search),
                    is_active=True,
                )
                .exclude(pk__in=chosen_ids)
                # Sorted as the search's index finds them, not by walking the index of names.
                .order_by(Upper("name"), "pk")
            )
            found = list(matches[: PICKER_LIMIT + 1])
            if len(found) > PICKER_LIMIT:
                found, more = found[:PICKER_LIMIT], matches.count()
        options = [
            {
                "id": f"id_{name}_{institution.pk}",
                "value": institution.pk,
                "label": f"{institution.name} ({institution.actor.name})",
                "checked": institution in chosen,
            }
            for institution in [*chosen, *found]
        ]
        return {
            "options": options,
            "more": more,
            "search": self.search,
            "name": name,
            "input_type": self.input_type,
        }


class OneInstitutionPicker(InstitutionPicker):
    """The same picker for one institution: the search offers radio buttons."""

    input_type = "radio"
    allow_multiple_selected = False

    def value_from_datadict(self, data, files, name):
        return data.get(name)


def picker_answer(*, name: str, chosen: list[str], search: str, one: bool = False) -> dict:
    """A picker's boxes for a search sent by htmx: the ticked ones, then what matches."""
    field = (forms.ModelChoiceField if one else IdMultipleChoiceField)(
        queryset=Institution.objects.select_related("actor").order_by("name"),
        widget=OneInstitutionPicker if one else InstitutionPicker,
    )
    field.widget.search_for(search)
    return field.widget.picker_options(name, chosen[:1] if one else chosen)


def picker_searched(form, data) -> bool:
    """Whether the form was sent by a picker's "Find" (without JavaScript); if so, its picker
    searches for what was typed, and the form is to be shown again, not saved."""
    if "find" not in data:
        return False
    pickers = [field.widget for field in form.fields.values()]
    pickers = [widget for widget in pickers if isinstance(widget, InstitutionPicker)]
    for picker in pickers:
        picker.search_for(data.get(PICKER_SEARCH, ""))
    return bool(pickers)


class PersonForm(forms.ModelForm):
    institutions = IdMultipleChoiceField(
        label=_("Institutions"),
        queryset=Institution.objects.select_related("actor").order_by("name"),
        required=False,
        widget=InstitutionPicker,
    )
    membership_role = forms.ChoiceField(
        label=_("Role at the institutions"),
        choices=[("", "—"), *Membership.Role.choices],
        required=False,
    )

    # The person's role in this municipality (kept per municipality: MunicipalRole).
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("role", self.instance.role or User.Role.STAFF)
        if self.instance.pk:
            memberships = list(self.instance.memberships.all())
            self.initial["institutions"] = [m.institution_id for m in memberships]
            if memberships:
                self.initial["membership_role"] = memberships[0].role

    def clean(self):
        cleaned = super().clean()
        institutions = cleaned.get("institutions")
        if cleaned.get("role") == User.Role.STAFF and not institutions:
            self.add_error("institutions", _("Choose the institutions this person works for."))
        if institutions and not cleaned.get("membership_role"):
            self.add_error("membership_role", _("Choose the person's role at the institutions."))
        if cleaned.get("role"):
            self.instance.role = cleaned["role"]
        return cleaned

    def clean_email(self):
        """An address is one person's in every municipality, not only among this one's people
        (whom Django's own check of the field sees). A new person here who works for another
        municipality is that person (`elsewhere`): they get a role here too."""
        email = self.cleaned_data["email"]
        other = User.every_municipality.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if self.instance.pk and other.exists():
            raise forms.ValidationError(self.instance.unique_error_message(User, ["email"]))
        self.elsewhere = None if self.instance.pk else other.first()
        return email

    def validate_unique(self):
        if getattr(self, "elsewhere", None) is None:
            super().validate_unique()


class InstitutionSearchForm(forms.Form):
    """The institution list's search, from the address so a search can be shared."""

    q = forms.CharField(label=_("Search for an institution"), max_length=100, required=False)
    actor = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=Actor.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All kinds"),
    )


class WorkbookForm(forms.Form):
    prefix = "workbook"  # beside the import form's own "file" on the same page
    file = forms.FileField(label=_("Workbook (XLSX)"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    institution = forms.ModelChoiceField(
        label=_("Institution (for progress)"),
        queryset=Institution.objects.select_related("actor").order_by("name"),
        required=False,
        widget=OneInstitutionPicker,
    )
    file = forms.FileField(label=_("File (XLSX or CSV)"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.slug, kind.label) for kind in kinds.values()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "status" and not cleaned.get("institution"):
            self.add_error("institution", _("Choose the institution the progress belongs to."))
        return cleaned


class SignInLimitLiftForm(forms.Form):
    email = forms.EmailField(max_length=320)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _lines_field(label, help_text="") -> forms.CharField:
    """A field of one value per line (privileges, functions), read by _lines."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class KombitSettingsForm(forms.Form):
    """Context Handler (SAML): the municipality's CVR number, KOMBIT's metadata, and which
    privileges from the municipality's user administration give which role here."""

    cvr = forms.RegexField(
        label=_("The municipality's CVR number"),
        regex=r"^[0-9]{8}$",
        error_messages={"invalid": _("A CVR number is eight digits.")},
    )
    metadata_url = forms.URLField(
        label=_("Address of KOMBIT's metadata"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "input-width-xl"}),
        help_text=_("Read again every four hours, so a new certificate at KOMBIT is picked up."),
    )
    metadata_file = forms.FileField(
        label=_("Or KOMBIT's metadata as a file"), required=False, max_length=200
    )
    certificate = forms.CharField(
        label=_("KOMBIT's signing certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only when it should replace the one in the metadata."),
    )
    consultant_privileges = _lines_field(
        _("Privileges that make a consultant"),
        _("One per line, as the user system role is named at KOMBIT."),
    )
    committee_privileges = _lines_field(_("Privileges that make a committee member"))
    staff_privileges = _lines_field(_("Privileges that make institution staff"))

    METADATA_LIMIT = 1024 * 1024

    def __init__(self, *args, stored: dict | None = None, cvr: str = "", **kwargs):
        self.stored = stored or {}
        roles = self.stored.get("roles", {})
        kwargs.setdefault(
            "initial",
            {
                "cvr": cvr,
                "metadata_url": self.stored.get("idp", {}).get("metadata_url", ""),
                "consultant_privileges": "\n".join(roles.get(User.Role.CONSULTANT, [])),
                "committee_privileges": "\n".join(roles.get(User.Role.COMMITTEE, [])),
                "staff_privileges": "\n".join(roles.get(User.Role.STAFF, [])),
            },
        )
        super().__init__(*args, **kwargs)

    def clean_certificate(self):
        text = self.cleaned_data["certificate"].strip()
        if not text:
            return ""
        try:
            x509.load_pem_x509_certificate(text.encode("ascii"))
        except ValueError:
            raise forms.ValidationError(
                _("This is not a certificate in PEM form (“-----BEGIN CERTIFICATE-----”).")
            ) from None
        return text

    def clean_metadata_file(self):
        upload = self.cleaned_data["metadata_file"]
        if upload and upload.size > self.METADATA_LIMIT:
            raise forms.ValidationError(_("The metadata file may be at most 1 MB."))
        return upload

    def _metadata(self) -> dict:
        """KOMBIT's identity provider as its metadata describes it."""
        url, upload = self.cleaned_data.get("metadata_url"), self.cleaned_data.get("metadata_file")
        try:
            if upload:
                return OneLogin_Saml2_IdPMetadataParser.parse(upload.read()).get("idp", {})
            if url:
                return OneLogin_Saml2_IdPMetadataParser.parse_remote(url, timeout=10).get("idp", {})
        except Exception as error:  # the parser raises bare Exceptions and network errors
            raise forms.ValidationError(
                _("The metadata could not be read: %(error)s") % {"error": error}
            ) from None
        return {}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        url = cleaned.get("metadata_url")
        if url or cleaned.get("metadata_file"):
            metadata = self._metadata()
            sso_url = metadata.get("singleSignOnService", {}).get("url", "")
            certificate = metadata.get("x509cert") or next(
                iter(metadata.get("x509certMulti", {}).get("signing", [])), ""
            )
            if not metadata.get("entityId") or not sso_url:
                raise forms.ValidationError(
                    _("The metadata names no identity provider with a sign-in address.")
                )
            idp = {"entity_id": metadata["entityId"], "sso_url": sso_url, "x509cert": certificate}
            if url and not cleaned["certificate"]:
                idp["metadata_url"] = url
        elif self.stored.get("idp"):
            idp = dict(self.stored["idp"])
        else:
            raise forms.ValidationError(_("Give the address of KOMBIT's metadata or the file."))
        if cleaned["certificate"]:
            idp["x509cert"] = cleaned["certificate"]
            idp.pop("metadata_url", None)
        if not idp.get("x509cert") and not idp.get("metadata_url"):
            raise forms.ValidationError(_("The metadata holds no signing certificate."))
        roles = {
            User.Role.CONSULTANT: _lines(cleaned["consultant_privileges"]),
            User.Role.COMMITTEE: _lines(cleaned["committee_privileges"]),
            User.Role.STAFF: _lines(cleaned["staff_privileges"]),
        }
        if not any(roles.values()):
            raise forms.ValidationError(_("Name at least one privilege that gives a role."))
        cleaned["settings"] = {"idp": idp, "roles": {str(k): v for k, v in roles.items()}}
        return cleaned


class ClientSettingsForm(forms.Form):
    """The client an identity provider registered for the municipality; its secret is kept
    when the field is left empty (`app`: the saved configuration, if any)."""

    client_id = forms.CharField(label=_("Client id"), max_length=191)
    secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        max_length=191,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the one saved."),
    )

    def __init__(self, *args, app=None, **kwargs):
        self.app = app
        super().__init__(*args, **kwargs)

    def secret_missing(self, cleaned: dict) -> bool:
        return not cleaned["secret"] and not (self.app and self.app.secret)


class UniloginSettingsForm(ClientSettingsForm):
    """Unilogin (OpenID Connect through STIL's broker): the client STIL registered, the claims
    that name the institution and the function, and which functions give which role."""

    server_url = forms.URLField(
        label=_("Address of the broker"),
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "input-width-xl"}),
    )
    institution_claim = forms.SlugField(label=_("Claim with the institution numbers"))
    staff_type_claim = forms.SlugField(label=_("Claim with the person's function"))
    leader_types = _lines_field(
        _("Functions that make a leader"),
        _("One per line, as Unilogin writes them, e.g. “Leder”."),
    )
    resource_person_types = _lines_field(_("Functions that make a resource person"))

    field_order = ["server_url", "client_id", "secret"]

    def __init__(self, *args, app=None, **kwargs):
        stored = {**UNILOGIN_DEFAULTS, **(app.settings if app else {})}
        kwargs.setdefault(
            "initial",
            {
                "server_url": stored["server_url"],
                "client_id": app.client_id if app else "",
                "institution_claim": stored["institution_claim"],
                "staff_type_claim": stored["staff_type_claim"],
                "leader_types": "\n".join(stored["leader_types"]),
                "resource_person_types": "\n".join(stored["resource_person_types"]),
            },
        )
        super().__init__(*args, app=app, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.secret_missing(cleaned):
            self.add_error("secret", _("Give the client secret STIL sent you."))
            return cleaned
        leaders, resource_people = (
            _lines(cleaned["leader_types"]),
            _lines(cleaned["resource_person_types"]),
        )
        if not leaders and not resource_people:
            raise forms.ValidationError(_("Name at least one function that gives a role."))
        cleaned["settings"] = {
            "server_url": cleaned["server_url"],
            "institution_claim": cleaned["institution_claim"],
            "staff_type_claim": cleaned["staff_type_claim"],
            "leader_types": leaders,
            "resource_person_types": resource_people,
        }
        return cleaned


# A tenant id (a GUID) or the tenant's primary domain; never one of Entra ID's shared
# endpoints, which would let any organisation's accounts in.
ENTRA_TENANT = r"^([0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[a-z0-9.-]+\.[a-z]{2,})$"
DOMAIN = forms.RegexField(
    regex=r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
)


class DirectorySettingsForm(ClientSettingsForm):
    """Microsoft Entra ID or Google Workspace: the client the municipality registered, its
    tenant (Entra ID) and the e-mail domains whose people may sign in with it."""

    tenant = forms.RegexField(
        label=_("Tenant id"),
        regex=ENTRA_TENANT,
        max_length=100,
        error_messages={
            "invalid": _(
                "Give the municipality's own tenant id (a GUID such as "
                "0f0e0d0c-1111-2222-3333-444455556666) or its primary domain."
            )
        },
        help_text=_("From the overview of Microsoft Entra ID in the Azure portal."),
    )
    domains = forms.CharField(
        label=_("E-mail domains"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. “viborg.dk”: only addresses there can sign in."),
    )

    MAX_DOMAINS = 20

    field_order = ["tenant", "client_id", "secret", "domains"]

    def __init__(self, *args, provider: str, app=None, **kwargs):
        self.provider = provider
        stored = app.settings if app else {}
        kwargs.setdefault(
            "initial",
            {
                "tenant": stored.get("tenant", ""),
                "client_id": app.client_id if app else "",
                "domains": "\n".join(stored.get("domains", [])),
            },
        )
        kwargs.setdefault("prefix", provider)
        super().__init__(*args, app=app, **kwargs)
        if provider != "microsoft":
            del self.fields["tenant"]

    @property
    def title(self) -> str:
        return DIRECTORIES[self.provider]

    def clean_tenant(self):
        return self.cleaned_data["tenant"].lower()

    def clean_domains(self):
        domains = [line.lower() for line in _lines(self.cleaned_data["domains"])]
        if len(domains) > self.MAX_DOMAINS:
            raise forms.ValidationError(
                _("Give at most %(count)s domains.") % {"count": self.MAX_DOMAINS}
            )
        for domain in domains:
            try:
                DOMAIN.clean(domain)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(domain)s” is not a domain; write e.g. “viborg.dk”.")
                    % {"domain": domain[:100]}
                ) from None
        if not domains:
            raise forms.ValidationError(_("Give at least one e-mail domain."))
        return list(dict.fromkeys(domains))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if self.secret_missing(cleaned):
            self.add_error("secret", _("Give the client secret."))
            return cleaned
        domains = cleaned["domains"]
        if self.provider == "microsoft":
            cleaned["settings"] = {"tenant": cleaned["tenant"], "domains": domains}
        else:
            # Google's account chooser offers the workspace's accounts only (`hd`); the
            # answer's own `hd` is checked at sign-in whatever the chooser showed.
            cleaned["settings"] = {
                "domains": domains,
                "scope": ["openid", "email", "profile"],
                "auth_params": {"hd": domains[0]} if len(domains) == 1 else {},
            }
        return cleaned


class PlatformSignInForm(forms.Form):
    """An operator's sign-in on the platform's host."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    password = forms.CharField(
        label=_("Password"), max_length=4096, widget=forms.PasswordInput(render_value=False)
    )
    code = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^[0-9]{6}$",
        max_length=6,
        error_messages={"invalid": _("The code is six digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PlatformMunicipalityForm(forms.ModelForm):
    """A municipality an operator adds: its name, short name and host name, and the address
    of its first consultant, who is invited by e-mail."""

    email = forms.EmailField(
        label=_("The first consultant's e-mail"),
        max_length=254,
        help_text=_("They get an e-mail with a link to choose a password on the new address."),
    )

    class Meta:
        model = Municipality
        fields = ["name", "slug", "host"]
        help_texts = {
            "name": _("As it should read everywhere, e.g. “Viborg Kommune”."),
            "slug": _("Letters, digits and hyphens, e.g. “viborg”; used by the commands."),
        }

    def __init__(self, *args, allowed_hosts: list[str], **kwargs):
        self.allowed_hosts = allowed_hosts
        super().__init__(*args, **kwargs)
        self.fields["host"].required = True

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_host(self):
        host = self.cleaned_data["host"].strip().lower().rstrip(".")
        if not validate_host(host, self.allowed_hosts):
            raise forms.ValidationError(
                _(
                    "The installation does not answer on %(host)s: add it to ALLOWED_HOSTS "
                    "(or a domain above it, e.g. “.strategi.dk”) first."
                )
                % {"host": host}
            )
        if host == settings.PLATFORM_HOST:
            raise forms.ValidationError(_("This is the platform's own host name."))
        if Municipality.objects.filter(host=host).exists():
            raise forms.ValidationError(_("Another municipality answers on this host name."))
        return host

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.every_municipality.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("This address is already in use; give the consultant's own work address.")
            )
        return email


class PlatformRemovalForm(forms.Form):
    """An operator confirms removing a municipality by typing its short name."""

    confirm = forms.CharField(
        label=_("Type the municipality's short name to confirm"), max_length=50
    )

    def __init__(self, *args, slug: str, **kwargs):
        self.slug = slug
        super().__init__(*args, **kwargs)

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != self.slug:
            raise forms.ValidationError(
                _("Type “%(slug)s” exactly, or go back.") % {"slug": self.slug}
            )
        return self.slug
