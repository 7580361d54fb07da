from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Progress


class ProgressForm(forms.Form):
    """The state a person wants, never a toggle: the same form sent twice does the same."""

    status = forms.ChoiceField(label=_("Status"), choices=Progress.Status.choices)
    reason = forms.CharField(
        label=_("Why is it not relevant?"), max_length=500, required=False, strip=True
    )
    note = forms.CharField(
        label=_("What have we done?"),
        max_length=2000,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Progress.Status.NOT_RELEVANT and not cleaned.get("reason"):
            self.add_error("reason", _("Say briefly why the action is not relevant here."))
        return cleaned
