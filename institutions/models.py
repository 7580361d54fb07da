from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from core import tenancy
from core.tenancy import ScopedManager, chosen, current


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class PeopleManager(UserManager):
    """The people of the municipality acted for (core.tenancy): those with a role in it, each
    with that role (`role_here`), read in the same query. Signing in, a session's person and
    every list of people go through it, so a person is unknown where they have no role."""

    use_in_migrations = False

    def get_queryset(self):
        role = MunicipalRole.objects.filter(user=OuterRef("pk")).values("role")[:1]
        return super().get_queryset().annotate(role_here=Subquery(role)).filter(role_here__gt="")


class User(AbstractUser):
    """A person who signs in with their e-mail address."""

    class Role(models.TextChoices):
        CONSULTANT = "consultant", _("Consultant")
        COMMITTEE = "committee", _("Committee member")
        STAFF = "staff", _("Institution staff")

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    # The platform's operators create municipalities and see the platform's health on its own
    # host (PLATFORM_HOST); a municipality's content only where it grants them a role.
    is_operator = models.BooleanField(_("operator"), default=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = PeopleManager()
    every_municipality = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        """A person's role is kept per municipality (MunicipalRole): a role given, or a new
        person's, is the role in the municipality acted for."""
        fields = kwargs.get("update_fields")
        role_given = self.__dict__.pop("role_given", False)
        if fields is not None and "role" in fields:
            kwargs["update_fields"] = fields = [name for name in fields if name != "role"]
            role_given = True
        adding = self._state.adding
        if fields is None or fields:
            super().save(*args, **kwargs)
        if (role_given or adding) and tenancy.chosen() is not None:
            MunicipalRole.objects.update_or_create(
                user=self, defaults={"role": self.role or self.Role.STAFF}
            )

    def refresh_from_db(self, *args, **kwargs):
        self.__dict__.pop("role_here", None)  # read afresh too
        super().refresh_from_db(*args, **kwargs)

    @property
    def role(self) -> str | None:
        """The person's role in the municipality acted for; None where they have none."""
        if "role_here" not in self.__dict__:  # read past the people manager
            self.role_here = (
                MunicipalRole.objects.filter(user=self).values_list("role", flat=True).first()
                if self.pk and tenancy.chosen() is not None
                else None
            )
        return self.role_here

    @role.setter
    def role(self, value: str) -> None:
        self.role_here = value
        self.role_given = True

    def get_role_display(self) -> str:
        return str(self.Role(self.role).label) if self.role else ""


class Municipality(models.Model):
    """The municipality this installation serves: its name on every page, e-mail and report,
    and how far its consultants have come in getting started."""

    # The mark a consultant leaves when "Kom i gang" may leave the menu.
    FINISHED = "finished"
    # The mark of a municipality named by its consultants (or the start command); until
    # then it bears the MUNICIPALITY_NAME setting's name.
    NAMED = "municipality"

    name = models.CharField(_("name"), max_length=100)
    # Each municipality answers on its own host name; an installation with one municipality
    # answers for it on any host (strategy_tracker.middleware.choose_municipality).
    slug = models.SlugField(_("short name"), unique=True)
    host = models.CharField(
        _("host name"),
        max_length=253,
        blank=True,
        help_text=_("The address its people use, e.g. “viborg.strategi.dk”."),
    )
    header_text = models.CharField(
        _("text in the header"),
        max_length=100,
        blank=True,
        help_text=_("Shown at the top of every page in place of a logo; the name when empty."),
    )
    # Each step of "Kom i gang" (administration.selectors.GETTING_STARTED) a consultant has
    # marked done or skipped: {"actors": "done", "people": "skipped"}.
    getting_started = models.JSONField(_("getting started"), default=dict, blank=True)
    # KOMBIT's Context Handler names the municipality a person signs in for by this number;
    # a sign-in for any other is refused (institutions.sign_in).
    cvr = models.CharField(
        _("CVR number"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{8}$", _("A CVR number is eight digits."))],
    )
    # Takes part in the comparison with other municipalities that build on the same model
    # strategy (reports.comparison): its tallies count in their spread, and it sees theirs.
    compares = models.BooleanField(_("takes part in the comparison"), default=False)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(
                fields=["host"], condition=~models.Q(host=""), name="unique_municipality_host"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def header(self) -> str:
        return self.header_text or self.name

    @property
    def is_named(self) -> bool:
        return self.getting_started.get(self.NAMED) == "done"

    @property
    def getting_started_finished(self) -> bool:
        """A consultant has put "Kom i gang" away: it leaves the menu."""
        return self.getting_started.get(self.FINISHED) == "done"


class MunicipalityField(models.ForeignKey):
    """The field by which a row says which municipality it belongs to: the municipality acting
    when the row is made (core.tenancy), never edited. Saving a row with none chosen raises."""

    def pre_save(self, model_instance, add):
        if getattr(model_instance, self.attname) is None:
            setattr(model_instance, self.attname, current())
        return super().pre_save(model_instance, add)


def owned_by_municipality(related_name: str = "+") -> MunicipalityField:
    return MunicipalityField(
        Municipality,
        on_delete=models.CASCADE,
        related_name=related_name,
        default=chosen,
        blank=True,
        editable=False,
        verbose_name=_("municipality"),
    )


class UniqueWithinMunicipality:
    """A model whose names are unique within its municipality: forms leave the municipality
    out (it is never edited), yet their checks of those constraints must count it, so a
    second "Bakkeskolen" is refused in Danish rather than by the database."""

    def validate_constraints(self, exclude=None):
        exclude = set(exclude or ()) - {"municipality"}
        super().validate_constraints(exclude=exclude)  # type: ignore[misc]


class MunicipalRole(models.Model):
    """A person's role in one municipality: a person may work for several, with a role in
    each, and is unknown in the others."""

    municipality = owned_by_municipality()
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="municipal_roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=User.Role)

    municipality_path = "municipality"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("role in the municipality")
        verbose_name_plural = _("roles in the municipality")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "user"], name="one_role_per_municipality"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class ActorQuerySet(models.QuerySet):
    def local(self):
        """The kinds of institution that act locally, each with its own handleplan: every
        kind but the administration."""
        return self.exclude(code=Actor.ADMINISTRATION)


class Actor(UniqueWithinMunicipality, models.Model):
    """Who carries out actions: Forvaltning, Skole, Dagtilbud (a municipality may add more)."""

    # The municipality's administration acts centrally: it has the municipal handleplan, no
    # local one, no reminders and no place in the institutions' tables.
    ADMINISTRATION = "forvaltning"

    municipality = owned_by_municipality()
    code = models.SlugField(_("code"))
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    municipality_path = "municipality"
    objects = ScopedManager.from_queryset(ActorQuerySet)()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="unique_actor_code")
        ]

    def __str__(self):
        return self.name


class InstitutionQuerySet(models.QuerySet):
    def local(self):
        """Institutions that act locally (every kind but the administration)."""
        return self.exclude(actor__code=Actor.ADMINISTRATION)


class Institution(UniqueWithinMunicipality, models.Model):
    """A school, a daycare institution, or the administration itself."""

    municipality = owned_by_municipality()
    name = models.CharField(_("name"), max_length=200)
    actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("kind")
    )
    area = models.CharField(_("area"), max_length=100, blank=True)
    children_count = models.PositiveIntegerField(_("number of children"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The number the Ministry of Children and Education gives a school or daycare institution;
    # Unilogin names the institutions a person works at by it.
    institution_number = models.CharField(
        _("institution number"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z]+$", _("Only digits and letters."))],
        help_text=_("As in Unilogin and the institution register, e.g. “280123”."),
    )

    municipality_path = "municipality"
    objects = ScopedManager.from_queryset(InstitutionQuerySet)()

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["actor", "is_active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="unique_institution_name",
                violation_error_message=_("Another institution has this name."),
            ),
            models.UniqueConstraint(
                fields=["municipality", "institution_number"],
                condition=~models.Q(institution_number=""),
                name="unique_institution_number",
                violation_error_message=_("Another institution has this institution number."),
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role at one institution; a person may belong to several."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        RESOURCE_PERSON = "resource_person", _("Resource person")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)

    municipality_path = "institution__municipality"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="unique_membership")
        ]

    def __str__(self):
        return f"{self.user} · {self.institution} ({self.get_role_display()})"


class SecurityEvent(models.Model):
    """Who did what to whose account, and when (stored in UTC)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        SIGN_IN_LIMITED = "sign_in_limited", _("Sign-in refused: wait after wrong passwords")
        SIGN_IN_LIMIT_LIFTED = "sign_in_limit_lifted", _("Sign-in wait lifted")
        LOGOUT = "logout", _("Signed out")
        MFA_FAILED = "mfa_failed", _("Wrong two-factor code")
        MFA_ADDED = "mfa_added", _("Two-factor authentication added")
        MFA_REMOVED = "mfa_removed", _("Two-factor authentication removed")
        MFA_RESET = "mfa_reset", _("Recovery codes renewed")
        PERSON_INVITED = "person_invited", _("Person invited")
        ROLE_CHANGED = "role_changed", _("Role or institutions changed")
        PERSON_DEACTIVATED = "person_deactivated", _("Person deactivated")
        PERSON_ANONYMISED = "person_anonymised", _("Person anonymised")
        DATA_EXPORTED = "data_exported", _("All data exported")
        PERMISSION_DENIED = "permission_denied", _("Access refused")

    municipality = owned_by_municipality()
    kind = models.CharField(_("event"), max_length=30, choices=Kind)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    subject = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("person concerned"),
    )
    email = models.CharField(_("e-mail given"), max_length=320, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("address"), max_length=500, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    municipality_path = "municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} UTC {self.get_kind_display()}"
