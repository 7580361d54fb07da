from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager
from institutions.models import owned_by_municipality

# The tables a worker makes spreadsheets of (reports/tables.py), by the name in their address.
TABLE_TITLES = {
    "institutioner": _("Progress by institution"),
    "register": _("Institutions"),
}


class Report(models.Model):
    """A requested PDF report; the row, not the task result, is the source of truth."""

    class Kind(models.TextChoices):
        REVISION = "revision", _("Revision report")
        ACTION_PLAN = "action_plan", _("Action plan")
        STATUS = "status", _("Status report")
        ACTION_PLAN_BATCH = "action_plan_batch", _("Local action plans for every institution")
        DATA_EXPORT = "data_export", _("All the municipality's data")
        SPREADSHEET = "spreadsheet", _("Spreadsheet")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    municipality = owned_by_municipality()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    strategy = models.ForeignKey(
        "goals.Strategy",
        on_delete=models.PROTECT,
        related_name="reports",
        null=True,
        verbose_name=_("strategy"),
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        help_text=_("Whose action plan; empty for the municipal plan and the other kinds."),
        verbose_name=_("institution"),
    )
    batch = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("part of"),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    # The status report and the handleplaner also as Word documents, to edit and paste.
    word_file = models.FileField(_("Word document"), upload_to="reports/%Y/%m/", blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="reports",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Set when the queue could not be reached; the row stays queued and is sent again later.
    enqueue_failed_at = models.DateTimeField(_("queue unavailable at"), null=True, blank=True)
    enqueued_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    # Renewed by the worker making the report; a running report whose worker has gone quiet
    # for REPORT_STALE_SECONDS may be claimed by another.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # The queue's id for the task making it: that task's own retry (after the database was
    # away mid-render) may take the report back at once; a second copy may not. The queue
    # redelivers the same id only after the visibility timeout, past REPORT_TIME_LIMIT.
    claimed_by = models.CharField(_("made by task"), max_length=64, blank=True, editable=False)

    municipality_path = "municipality"
    objects = ScopedManager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.requested_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("report_detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def has_word_copy(self) -> bool:
        """Made with an editable Word copy beside its PDF."""
        return self.kind in (self.Kind.STATUS, self.Kind.ACTION_PLAN)

    @property
    def is_batch_work(self) -> bool:
        """A batch's part or its ZIP: made after what people are waiting for."""
        return bool(self.batch_id) or self.kind == self.Kind.ACTION_PLAN_BATCH

    @property
    def title(self) -> str:
        if self.kind == self.Kind.ACTION_PLAN:
            if self.institution is None:
                return str(_("Municipal action plan"))
            return f"{self.get_kind_display()}: {self.institution.name}"
        if self.kind == self.Kind.SPREADSHEET:
            table = TABLE_TITLES.get(self.parameters.get("table"), "")
            return f"{self.get_kind_display()}: {table}"
        return self.get_kind_display()


class ClosedDays(models.Model):
    """Which past days of a strategy have their tallies written (reports/days.py)."""

    strategy = models.OneToOneField(
        "goals.Strategy", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    first = models.DateField(null=True)
    through = models.DateField(null=True)

    municipality_path = "strategy__municipality"
    objects = ScopedManager()

    def __str__(self):
        return f"{self.first}–{self.through}"


class DayTally(models.Model):
    """A domain's tally among one kind of institution at the end of a past day, and how many
    status changes there had been by then; written once the day is over."""

    strategy = models.ForeignKey("goals.Strategy", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    domain = models.ForeignKey("goals.Domain", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey("institutions.Actor", on_delete=models.CASCADE, related_name="+")
    done = models.PositiveIntegerField()
    counted = models.PositiveIntegerField()
    changes = models.PositiveIntegerField()

    municipality_path = "strategy__municipality"
    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "day", "domain", "actor"], name="one_day_tally"
            )
        ]

    def __str__(self):
        return f"{self.day}: {self.done}/{self.counted}"
