import datetime as dt
import functools
from collections.abc import Callable

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutions.models import Actor


class DashboardForm(forms.Form):
    """The dashboard's choices, all from the address so a view can be shared as a link."""

    since = forms.DateField(
        label=_("Changes since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("E.g. the date of the last committee meeting."),
    )
    actor = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=Actor.objects.none(),
        required=False,
        empty_label=_("All kinds"),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    q = forms.CharField(label=_("Search for an institution"), max_length=100, required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-percent", _("Most done first")),
            ("percent", _("Least done first")),
            ("actor", _("Kind")),
            ("area", _("Area")),
        ],
    )

    def __init__(self, *args, areas: Callable[[], list[str]], actors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = actors  # the kinds the strategy's actions are for
        # Read once, when the form is checked or drawn: not for a dashboard served from the cache.
        areas = functools.cache(areas)
        self.fields["area"].choices = lambda: [("", _("All areas")), *((a, a) for a in areas())]

    def clean_since(self):
        since = self.cleaned_data.get("since")
        today = timezone.localdate()
        if since and since > today:
            raise forms.ValidationError(_("Choose a date that is not in the future."))
        if since and since < dt.date(2000, 1, 1):
            raise forms.ValidationError(_("Choose a date after 2000."))
        return since or today - dt.timedelta(days=30)


class StatusReportForm(forms.Form):
    since = forms.DateField(
        label=_("Changes since"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("E.g. the date of the last committee meeting."),
    )

    def clean_since(self):
        since = self.cleaned_data["since"]
        if since > timezone.localdate():
            raise forms.ValidationError(_("Choose a date that is not in the future."))
        return since


class RevisionReportForm(forms.Form):
    recommendations = forms.CharField(
        label=_("Recommendations for the revision"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text; blank lines separate paragraphs."),
    )
