from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Action(models.Model):
    """A concrete action ("Konkret vil vi …") for one or more actors."""

    goal = models.ForeignKey("goals.Goal", on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    text = models.TextField(_("text"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    actors = models.ManyToManyField(
        "institutions.Actor", related_name="actions", verbose_name=_("actors")
    )
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_label = models.CharField(
        _("deadline label"), max_length=100, blank=True, help_text=_("E.g. “Autumn 2026”.")
    )
    budget = models.PositiveIntegerField(_("budget (DKK)"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[actors])

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

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress")
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.NOT_STARTED
    )
    reason = models.TextField(_("reason"), blank=True)
    note = models.TextField(_("note"), blank=True)
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
    history = HistoricalRecords()

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


class ActionPlan(models.Model):
    """The municipal action plan (no institution) or one institution's local plan."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    strategy = models.ForeignKey(
        "goals.Strategy", on_delete=models.CASCADE, related_name="action_plans"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_plans",
        help_text=_("Empty for the municipal action plan."),
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
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "institution__name"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="action_plan_period_order",
            )
        ]

    def __str__(self):
        owner = self.institution or _("Municipal action plan")
        return f"{owner} {self.period_start:%Y}–{self.period_end:%Y}"


class ActionPlanItem(models.Model):
    class Funding(models.TextChoices):
        CENTRAL = "central", _("Central pool")
        INSTITUTION = "institution", _("Institution's own budget")

    class Recurrence(models.TextChoices):
        ONE_OFF = "one_off", _("One-off")
        RECURRING = "recurring", _("Recurring")

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_items"
    )
    text = models.TextField(_("local initiative"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    budget = models.PositiveIntegerField(_("budget (DKK)"), default=0)
    funding = models.CharField(
        _("funding"), max_length=20, choices=Funding, default=Funding.INSTITUTION
    )
    recurrence = models.CharField(
        _("one-off or recurring"), max_length=20, choices=Recurrence, default=Recurrence.ONE_OFF
    )
    history = HistoricalRecords()

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
