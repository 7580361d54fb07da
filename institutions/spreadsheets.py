"""Institutions to and from spreadsheets, with django-import-export."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from core.spreadsheets import ImportMeta, WholeNumberWidget, parse_actors

from .models import Actor, Institution, Membership, User
from .selectors import actor_words
from .services import person_invite

HEADINGS = {
    "navn": "name",
    "institution": "name",
    "name": "name",
    "type": "actor",
    "aktør": "actor",
    "actor": "actor",
    "område": "area",
    "distrikt": "area",
    "area": "area",
    "antal børn": "children_count",
    "børn": "children_count",
    "børnetal": "children_count",
    "children": "children_count",
    "institutionsnummer": "institution_number",
    "institutionsnr": "institution_number",
    "inst nr": "institution_number",
    "institution number": "institution_number",
    "leder": "leader_email",
    "leder e mail": "leader_email",
    "lederens e mail": "leader_email",
    "leader": "leader_email",
}
REQUIRED = ["name", "actor"]


class ActorWidget(widgets.Widget):
    """One of the municipality's kinds of institution ("Skole", "Dagpleje"), by name."""

    def __init__(self):
        super().__init__()
        self.words = actor_words()

    def clean(self, value, row=None, **kwargs):
        codes = parse_actors(value, self.words)
        if len(codes) != 1:
            kinds = ", ".join(Actor.objects.order_by("order").values_list("name", flat=True))
            raise ValueError(_("Write one kind: %(kinds)s.") % {"kinds": kinds})
        return Actor.objects.get(code=codes[0])

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class InstitutionResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="name")
    actor = fields.Field(attribute="actor", column_name="actor")
    area = fields.Field(attribute="area", column_name="area")
    children_count = fields.Field(
        attribute="children_count",
        column_name="children_count",
        widget=WholeNumberWidget(
            gettext_lazy("The number cannot be negative."),
            invalid_message=gettext_lazy("Write the number of children as a whole number."),
        ),
    )

    institution_number = fields.Field(
        attribute="institution_number", column_name="institution_number"
    )

    class Meta(ImportMeta):
        model = Institution
        fields = ["name", "actor", "area", "children_count", "institution_number"]
        import_id_fields = ["name"]

    def __init__(self, *, by=None, base_url: str = ""):
        super().__init__()
        self.by, self.base_url = by, base_url
        # The kinds as they are now: a consultant may have added one since the last import.
        self.fields["actor"].widget = ActorWidget()

    def before_import_row(self, row, **kwargs):
        email = (row.get("leader_email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ValueError(
                    _("“%(email)s” is not an e-mail address.") % {"email": email}
                ) from None
            known = User.every_municipality.filter(email__iexact=email)
            if known.exists() and not User.objects.filter(email__iexact=email).exists():
                raise ValueError(
                    _("“%(email)s” belongs to a person of another municipality.") % {"email": email}
                )

    def after_save_instance(self, instance, row, **kwargs):
        email = (row.get("leader_email") or "").strip().lower()
        if not email:
            return
        leader = User.objects.filter(email__iexact=email).first()
        if leader is None:
            # As in the browser: invited by e-mail to set a password, and in the security log.
            person_invite(
                person=User(email=email),  # a new person's role is staff
                institutions=[instance],
                membership_role=Membership.Role.LEADER,
                invited_by=self.by,
                base_url=self.base_url,
            )
            return
        Membership.objects.get_or_create(
            user=leader, institution=instance, defaults={"role": Membership.Role.LEADER}
        )
