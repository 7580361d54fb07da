"""One institution's progress to and from spreadsheets, with django-import-export."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from core.history import history_note
from core.spreadsheets import ImportMeta

from .models import Action, Progress

HEADINGS = {
    "handling": "action",
    "action": "action",
    "status": "status",
    "note": "note",
    "bemærkning": "note",
    "hvad har vi gjort": "note",
    "begrundelse": "reason",
    "hvorfor ikke relevant": "reason",
    "reason": "reason",
}
REQUIRED = ["action", "status"]
STATUS_WORDS = {
    "ikke startet": Progress.Status.NOT_STARTED,
    "ikke påbegyndt": Progress.Status.NOT_STARTED,
    "i gang": Progress.Status.IN_PROGRESS,
    "igang": Progress.Status.IN_PROGRESS,
    "påbegyndt": Progress.Status.IN_PROGRESS,
    "udført": Progress.Status.DONE,
    "færdig": Progress.Status.DONE,
    "gennemført": Progress.Status.DONE,
    "ikke relevant": Progress.Status.NOT_RELEVANT,
}


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


class StatusWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        status = STATUS_WORDS.get(_words(value))
        if status is None:
            raise ValueError(
                _("Write the status as: ikke startet, i gang, udført or ikke relevant.")
            )
        return status

    def render(self, value, obj=None, **kwargs):
        return Progress.Status(value).label if value else ""


class ActionWidget(widgets.Widget):
    """An action of the strategy in force, found by its text."""

    def __init__(self, actions):
        super().__init__()
        self.by_text = {_words(action.text): action for action in actions}

    def clean(self, value, row=None, **kwargs):
        action = self.by_text.get(_words(value))
        if action is None:
            raise ValueError(_("No action of the strategy has this text."))
        return action

    def render(self, value, obj=None, **kwargs):
        return value.text if value else ""


class ProgressResource(resources.ModelResource):
    """Rows are matched to the institution's existing rows by the action's text."""

    status = fields.Field(attribute="status", column_name="status", widget=StatusWidget())
    note = fields.Field(attribute="note", column_name="note")
    reason = fields.Field(attribute="reason", column_name="reason")

    class Meta(ImportMeta):
        model = Progress
        fields = ["action", "status", "note", "reason"]
        import_id_fields = ["action"]

    def __init__(self, *, institution, strategy, by=None):
        super().__init__()
        self.institution, self.by = institution, by
        actions = Action.objects.filter(
            goal__domain__strategy=strategy, archived_at=None, actors=institution.actor_id
        )
        self.fields["action"] = fields.Field(
            attribute="action", column_name="action", widget=ActionWidget(actions)
        )

    def get_queryset(self):
        return Progress.objects.filter(institution=self.institution)

    def get_or_init_instance(self, instance_loader, row):
        instance = self.get_instance(instance_loader, row)
        if instance is None:
            raise ValueError(_("The action does not apply to this institution."))
        return instance, False

    def before_save_instance(self, instance, row, **kwargs):
        instance.version += 1
        instance.updated_by, instance.updated_at = self.by, timezone.now()
        history_note(instance, by=self.by)
