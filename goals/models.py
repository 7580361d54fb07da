import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import kept_history
from core.tenancy import EveryMunicipalityManager, ScopedManager
from institutions.models import owned_by_municipality

# The most a person may type into a text: forms and imports refuse more, in Danish.
TEXT = 2_000  # an aim, a principle, a goal, an action, a note
LONG_TEXT = 10_000  # the strategy's and the domains' introductions


class Strategy(models.Model):
    """One four-year version of the municipality's pedagogical IT strategy."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADOPTED = "adopted", _("Adopted")
        ARCHIVED = "archived", _("Archived")

    municipality = owned_by_municipality(related_name="strategies")
    title = models.CharField(_("title"), max_length=300)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    # The municipality's name as the strategy prints it.
    municipality_name = models.CharField(_("municipality"), max_length=100)
    introduction = models.TextField(_("introduction"), max_length=LONG_TEXT, blank=True)
    purpose = models.TextField(_("purpose"), max_length=LONG_TEXT, blank=True)
    vision = models.TextField(_("vision"), max_length=LONG_TEXT, blank=True)
    aims_introduction = models.TextField(
        _("introduction to the aims"), max_length=LONG_TEXT, blank=True
    )
    foundation = models.TextField(_("foundation"), max_length=LONG_TEXT, blank=True)
    framework = models.TextField(_("framework"), max_length=LONG_TEXT, blank=True)
    principles_introduction = models.TextField(
        _("introduction to the principles"), max_length=LONG_TEXT, blank=True
    )
    follow_up = models.TextField(
        _("further work with the strategy"), max_length=LONG_TEXT, blank=True
    )
    goals_introduction = models.TextField(
        _("introduction to goals and actions"), max_length=LONG_TEXT, blank=True
    )
    approved_by = models.CharField(_("approved by"), max_length=200, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    decision_reference = models.CharField(_("decision reference"), max_length=200, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    # The strategy's own words for two headings ("De fire pejlemærker", "Konkret vil vi:");
    # empty shows the plain ones ("Pejlemærker", "Konkrete handlinger").
    principles_heading = models.CharField(
        _("heading before the principles"), max_length=100, blank=True
    )
    actions_heading = models.CharField(_("heading before actions"), max_length=100, blank=True)
    # What the strategy calls its domains ("område" / "områder"); empty says "domæne".
    domain_word = models.CharField(_("word for a domain"), max_length=50, blank=True)
    domains_word = models.CharField(_("word for domains"), max_length=50, blank=True)
    revision_interval_years = models.PositiveSmallIntegerField(
        _("revision interval (years)"), default=4
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )
    decision_meeting = models.CharField(_("meeting"), max_length=200, blank=True)
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Published as a model for other municipalities to copy (actions.sharing).
    shared = models.BooleanField(_("shared as a model strategy"), default=False, editable=False)
    municipality_path = "municipality"
    objects = ScopedManager()
    every_municipality = EveryMunicipalityManager()
    history = kept_history()

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")

    def __str__(self):
        return self.title

    @property
    def domain_noun(self) -> str:
        """One of the strategy's domains in its own word: "område", or "domæne"."""
        return self.domain_word or str(Domain._meta.verbose_name)

    @property
    def domains_noun(self) -> str:
        """Its domains in its own word: "områder", or "domæner"."""
        return self.domains_word or str(Domain._meta.verbose_name_plural)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    def plan_period(self) -> tuple[dt.date, dt.date]:
        """The period action plans cover: the strategy's own, or from this year for the
        revision interval when the strategy has none recorded."""
        if self.period_start and self.period_end:
            return self.period_start, self.period_end
        start = self.period_start or dt.date(timezone.localdate().year, 1, 1)
        return start, dt.date(start.year + self.revision_interval_years - 1, 12, 31)


def origin_field():
    """The item of the previous version a revision copied this one from."""
    return models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("copied from"),
    )


class Aim(models.Model):
    """One of the purpose's aims ("At børn og unge …")."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="aims", verbose_name=_("strategy")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"), max_length=TEXT)
    origin = origin_field()
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    municipality_path = "strategy__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        ordering = ["strategy", "order", "pk"]
        verbose_name = _("aim")
        verbose_name_plural = _("aims")

    def __str__(self):
        return self.text[:80]


class Principle(models.Model):
    """A municipal guiding principle (pejlemærke) that the strategy supports."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="principles", verbose_name=_("strategy")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"), max_length=TEXT)
    origin = origin_field()
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    municipality_path = "strategy__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        ordering = ["strategy", "order", "pk"]
        verbose_name = _("guiding principle")
        verbose_name_plural = _("guiding principles")

    def __str__(self):
        return self.text[:80]


class Domain(models.Model):
    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="domains", verbose_name=_("strategy")
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    introduction = models.TextField(_("introduction"), max_length=LONG_TEXT, blank=True)
    origin = origin_field()
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    municipality_path = "strategy__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        ordering = ["strategy", "order", "pk"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(fields=["strategy", "name"], name="unique_domain_name")
        ]

    def __str__(self):
        return self.name


class Goal(models.Model):
    class Scope(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal goal")
        LOCAL = "local", _("Local goal")

    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="goals", verbose_name=_("domain")
    )
    text = models.TextField(_("text"), max_length=TEXT)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope, default=Scope.MUNICIPAL)
    principles = models.ManyToManyField(
        Principle, blank=True, related_name="goals", verbose_name=_("guiding principles")
    )
    origin = origin_field()
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    municipality_path = "domain__strategy__municipality"
    objects = ScopedManager()
    history = kept_history(m2m_fields=[principles])

    class Meta:
        ordering = ["domain", "order", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return self.text[:80]


class Indicator(models.Model):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("goal")
    )
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    # "Mindst 1 pr. børnegruppe": the target is each institution's, and the indicator is
    # reached when every institution has reached it, never on an average.
    each_institution = models.BooleanField(
        _("each institution must reach the target"), default=False
    )
    actors = models.ManyToManyField(
        "institutions.Actor", blank=True, related_name="indicators", verbose_name=_("reported by")
    )
    origin = origin_field()
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    municipality_path = "goal__domain__strategy__municipality"
    objects = ScopedManager()
    history = kept_history(m2m_fields=[actors])

    class Meta:
        ordering = ["goal", "name"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.name


class Measurement(models.Model):
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("indicator"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
        verbose_name=_("institution"),
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    measured_on = models.DateField(_("measured on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    municipality_path = "institution__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["indicator", "-measured_on", "-pk"]
        indexes = [models.Index(fields=["institution", "indicator", "-measured_on"])]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self):
        return f"{self.indicator}: {self.value} ({self.measured_on})"
