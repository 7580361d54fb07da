from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.history import kept_history
from core.tenancy import EveryMunicipalityManager, ScopedManager
from goals.models import TEXT, Aim, Domain, Goal, Principle, Strategy, origin_field
from institutions.models import owned_by_municipality

REASON = 500  # why an action is not relevant


class Action(models.Model):
    """A concrete action ("Konkret vil vi …") for one or more actors."""

    class CarryOver(models.TextChoices):
        # Set on an unfinished action copied into a revision: what its progress does on adoption.
        CARRY = "carry", _("Continued, progress carried over")
        RESET = "reset", _("Continued, progress reset")

    goal = models.ForeignKey(
        "goals.Goal", on_delete=models.CASCADE, related_name="actions", verbose_name=_("goal")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    text = models.TextField(_("text"), max_length=TEXT)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    actors = models.ManyToManyField(
        "institutions.Actor", related_name="actions", verbose_name=_("actors")
    )
    # A project for one or two named units: only they follow it (actions.services.progress_sync).
    institutions = models.ManyToManyField(
        "institutions.Institution",
        blank=True,
        related_name="named_actions",
        verbose_name=_("only these institutions"),
    )
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_label = models.CharField(
        _("deadline label"), max_length=100, blank=True, help_text=_("E.g. “Autumn 2026”.")
    )
    budget = models.PositiveIntegerField(_("budget (DKK)"), null=True, blank=True)
    origin = origin_field()
    # The shared model strategy's action this one was copied from (actions.sharing), kept by
    # every later version, so the comparison (reports.comparison) follows it through revisions.
    model_item = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("action of the model strategy"),
    )
    carry_over = models.CharField(
        _("continued"), max_length=10, choices=CarryOver, blank=True, editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Archived actions leave every page, count and report, but keep their progress and history.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    municipality_path = "goal__domain__strategy__municipality"
    objects = ScopedManager()
    every_municipality = EveryMunicipalityManager()
    history = kept_history(m2m_fields=[actors])

    class Meta:
        ordering = ["goal__domain__order", "order", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self):
        return self.text[:80]


class Progress(models.Model):
    """Where one institution is with one action."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_RELEVANT = "not_relevant", _("Not relevant")

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="progress", verbose_name=_("action")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="progress",
        verbose_name=_("institution"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NOT_STARTED
    )
    reason = models.TextField(_("reason"), max_length=REASON, blank=True)
    note = models.TextField(_("note"), max_length=TEXT, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    municipality_path = "institution__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        constraints = [
            models.UniqueConstraint(fields=["action", "institution"], name="unique_progress"),
            models.CheckConstraint(
                condition=~Q(status="not_relevant") | ~Q(reason=""),
                name="not_relevant_needs_reason",
                violation_error_message=_("Say why the action is not relevant."),
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self):
        return f"{self.institution} · {self.action}: {self.get_status_display()}"


def strategy_of(item) -> Strategy:
    """The version of the strategy an item of it belongs to (a strategy is its own)."""
    if isinstance(item, Strategy):
        return item
    if isinstance(item, Aim | Principle | Domain):
        return item.strategy
    if isinstance(item, Goal):
        return item.domain.strategy
    return item.goal.domain.strategy  # an action or an indicator


class KeptTally(models.Model):
    """ "x af N" kept by the services that change the rows it counts (actions/tallies.py), so
    no page counts progress rows. `rows` and `row_sum` (every row it counts, and the sum of
    their ids) tell when the set of rows changes."""

    done = models.PositiveIntegerField(default=0)
    counted = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    row_sum = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.done}/{self.counted}"


class ActionTally(KeptTally):
    """An action's tally among the active institutions of one kind; archiving or moving the
    action changes nothing here."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="tallies")
    actor = models.ForeignKey("institutions.Actor", on_delete=models.CASCADE, related_name="+")

    municipality_path = "actor__municipality"
    objects = ScopedManager()
    every_municipality = EveryMunicipalityManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "actor"], name="unique_action_tally")
        ]


class InstitutionTally(KeptTally):
    """An institution's tally in one version of the strategy, over its rows of actions in
    use. Whether the institution is active is read with the tally."""

    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="tallies"
    )
    strategy = models.ForeignKey("goals.Strategy", on_delete=models.CASCADE, related_name="+")

    municipality_path = "institution__municipality"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "strategy"], name="unique_institution_tally"
            )
        ]


class GoalProgress(models.Model):
    """Whether one institution has reached a local goal ("lokalt mål"): a goal each
    institution meets on its own, marked as an action is ticked off."""

    goal = models.ForeignKey(
        "goals.Goal", on_delete=models.CASCADE, related_name="reached_by", verbose_name=_("goal")
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="goal_progress",
        verbose_name=_("institution"),
    )
    reached = models.BooleanField(_("reached"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    municipality_path = "institution__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        verbose_name = _("local goal reached")
        verbose_name_plural = _("local goals reached")
        constraints = [
            models.UniqueConstraint(fields=["goal", "institution"], name="unique_goal_progress")
        ]

    def __str__(self):
        return f"{self.institution} · {self.goal}"


class ActionPlan(models.Model):
    """The municipal action plan (no institution) or one institution's local plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    strategy = models.ForeignKey(
        "goals.Strategy",
        on_delete=models.CASCADE,
        related_name="action_plans",
        verbose_name=_("strategy"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_plans",
        help_text=_("Empty for the municipal action plan."),
        verbose_name=_("institution"),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    municipality_path = "strategy__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        ordering = ["-period_start", "institution__name"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="action_plan_period_order",
            ),
            models.UniqueConstraint(
                fields=["strategy", "institution"],
                condition=Q(institution__isnull=False),
                name="one_local_plan_per_strategy",
            ),
            models.UniqueConstraint(
                fields=["strategy"],
                condition=Q(institution__isnull=True),
                name="one_municipal_plan_per_strategy",
            ),
        ]

    def __str__(self):
        owner = self.institution or _("Municipal action plan")
        return f"{owner} {self.period_start:%Y}–{self.period_end:%Y}"

    def get_absolute_url(self) -> str:
        return self.url()

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def years(self) -> range:
        return range(self.period_start.year, self.period_end.year + 1)

    def url(self, view: str = "plan", **kwargs) -> str:
        """The local plan's pages live under the institution, the municipal plan's on their own."""
        if self.institution_id:
            return reverse(f"local_{view}", kwargs={"pk": self.institution_id, **kwargs})
        return reverse(f"municipal_{view}", kwargs=kwargs)

    @property
    def approve_url(self) -> str:
        return self.url("plan_approve")


# The history_change_reason of a change to an item of an approved plan.
AMENDMENT = "amendment"


class ActionPlanItem(models.Model):
    class Funding(models.TextChoices):
        CENTRAL = "central", _("Central pool")
        INSTITUTION = "institution", _("Institution's own budget")

    class Recurrence(models.TextChoices):
        ONE_OFF = "one_off", _("One-off")
        RECURRING = "recurring", _("Recurring")

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="items", verbose_name=_("action plan")
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plan_items",
        verbose_name=_("action from the strategy"),
    )
    text = models.TextField(_("local initiative"), max_length=TEXT, blank=True)
    domain = models.ForeignKey(
        "goals.Domain",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("domain"),
        help_text=_("For a local initiative; an action from the strategy has its own domain."),
    )
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget = models.PositiveIntegerField(_("budget (DKK)"), default=0)
    funding = models.CharField(
        _("funding"), max_length=20, choices=Funding, default=Funding.INSTITUTION
    )
    recurrence = models.CharField(
        _("one-off or recurring"), max_length=20, choices=Recurrence, default=Recurrence.ONE_OFF
    )
    municipality_path = "plan__strategy__municipality"
    objects = ScopedManager()
    history = kept_history()

    class Meta:
        ordering = ["plan", "pk"]
        verbose_name = _("action plan item")
        verbose_name_plural = _("action plan items")
        constraints = [
            models.CheckConstraint(
                condition=Q(action__isnull=False) | ~Q(text=""),
                name="plan_item_action_or_text",
                violation_error_message=_("Choose an action or describe a local initiative."),
            )
        ]

    def __str__(self):
        return self.text[:80] if self.text else str(self.action)

    @property
    def is_recurring(self) -> bool:
        return self.recurrence == self.Recurrence.RECURRING

    def amounts_by_year(self, years: range) -> dict[int | None, int]:
        """What the item costs in each year: a recurring budget is per year of the plan's
        period; a one-off budget falls in its deadline's year (None when it has none)."""
        if self.is_recurring:
            return dict.fromkeys(years, self.budget)
        return {self.deadline.year if self.deadline else None: self.budget}

    @property
    def edit_url(self) -> str:
        return self.plan.url("plan_item", item_pk=self.pk)

    @property
    def delete_url(self) -> str:
        return self.plan.url("plan_item_delete", item_pk=self.pk)


class PoolAllocation(models.Model):
    """An amount from a central pool shared among institutions by their number of children."""

    strategy = models.ForeignKey(
        "goals.Strategy",
        on_delete=models.CASCADE,
        related_name="pool_allocations",
        verbose_name=_("strategy"),
    )
    title = models.CharField(_("title"), max_length=200)
    amount = models.PositiveIntegerField(_("amount (DKK)"))
    actors = models.ManyToManyField(
        "institutions.Actor", related_name="+", verbose_name=_("actors")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("allocated by"),
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    municipality_path = "strategy__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("central pool allocation")
        verbose_name_plural = _("central pool allocations")

    def __str__(self):
        return self.title


class PoolShare(models.Model):
    allocation = models.ForeignKey(
        PoolAllocation,
        on_delete=models.CASCADE,
        related_name="shares",
        verbose_name=_("allocation"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        related_name="pool_shares",
        verbose_name=_("institution"),
    )
    children_count = models.PositiveIntegerField(_("number of children"))
    amount = models.PositiveIntegerField(_("amount (DKK)"))

    municipality_path = "institution__municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["allocation", "institution__name"]
        verbose_name = _("share of a central pool")
        verbose_name_plural = _("shares of a central pool")
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "institution"], name="one_share_per_institution"
            )
        ]

    def __str__(self):
        return f"{self.institution}: {self.amount}"


class Reminder(models.Model):
    """A reminder e-mail sent to one person for one period; the row makes sure it is once."""

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("Overdue or quiet institution")
        REVISION_DUE = "revision_due", _("Revision due")

    municipality = owned_by_municipality()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("person"),
    )
    period = models.CharField(_("period"), max_length=20)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    municipality_path = "municipality"
    objects = ScopedManager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "user", "period"], name="one_reminder_per_period"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.user} · {self.period}"
