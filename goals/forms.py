import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.params import IdMultipleChoiceField

from .models import Aim, Domain, Goal, Indicator, Principle, Strategy

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.ModelForm):
    """Carries the version the person started from, so a save can tell if someone else
    saved in between."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        self.fields["version"].required = self.instance.pk is not None
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.strip = True


class StrategyForm(VersionedForm):
    class Meta:
        model = Strategy
        fields = [
            "title",
            "subtitle",
            "municipality_name",
            "introduction",
            "purpose",
            "vision",
            "aims_introduction",
            "foundation",
            "framework",
            "principles_heading",
            "principles_introduction",
            "actions_heading",
            "domain_word",
            "domains_word",
            "follow_up",
            "goals_introduction",
            "approved_by",
            "approved_on",
            "decision_reference",
            "period_start",
            "period_end",
            "revision_interval_years",
        ]
        widgets = {"approved_on": DATE, "period_start": DATE, "period_end": DATE}
        help_texts = {
            "principles_heading": _("In your strategy's words, e.g. “De fire pejlemærker”."),
            "domain_word": _("What your strategy calls one of its parts, e.g. “område”."),
            "domains_word": _("The same in the plural, e.g. “områder”."),
            "actions_heading": _(
                "Shown before each domain's actions, e.g. “Konkret vil vi:” or “Konkrete "
                "handlinger og projekter”."
            ),
        }

    def clean(self):
        cleaned = super().clean()
        one, many = (cleaned.get(name, "").lower() for name in ("domain_word", "domains_word"))
        cleaned["domain_word"], cleaned["domains_word"] = one, many
        if bool(one) != bool(many):
            self.add_error(
                "domains_word" if one else "domain_word",
                _("Write the word both in the singular and in the plural."),
            )
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


class AimForm(VersionedForm):
    class Meta:
        model = Aim
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class StrategyCreateForm(forms.ModelForm):
    class Meta:
        model = Strategy
        fields = ["title", "municipality_name", "period_start", "period_end"]
        widgets = {"period_start": DATE, "period_end": DATE}


class RevisionStartForm(forms.Form):
    """The next version's title and period; the rest is copied from the adopted one."""

    title = forms.CharField(label=_("Title of the new version"), max_length=300)
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)

    def __init__(self, *args, strategy: Strategy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].initial = strategy.title
        if strategy.period_end:
            start = strategy.period_end + dt.timedelta(days=1)
            self.fields["period_start"].initial = start
            years = strategy.revision_interval_years
            self.fields["period_end"].initial = dt.date(start.year + years - 1, 12, 31)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


class RevisionAdoptForm(forms.Form):
    """The committee's decision that brings a draft into force."""

    decided_on = forms.DateField(label=_("Date of the decision"), widget=DATE)
    meeting = forms.CharField(
        label=_("Meeting"), max_length=200, help_text=_("E.g. “Børne- og Familieudvalget”.")
    )
    reference = forms.CharField(
        label=_("Reference"),
        max_length=200,
        required=False,
        help_text=_("The case or agenda item number."),
    )

    def clean_decided_on(self):
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise forms.ValidationError(_("The decision cannot be in the future."))
        return decided_on


class PrincipleForm(VersionedForm):
    class Meta:
        model = Principle
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class DomainForm(VersionedForm):
    class Meta:
        model = Domain
        fields = ["name", "introduction"]


class GoalForm(VersionedForm):
    class Meta:
        model = Goal
        fields = ["text", "scope", "principles"]
        widgets = {"principles": forms.CheckboxSelectMultiple}
        field_classes = {"principles": IdMultipleChoiceField}

    def __init__(self, *args, strategy: Strategy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["principles"].queryset = strategy.principles.order_by("order")


class IndicatorForm(VersionedForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "baseline", "target", "each_institution", "deadline", "actors"]
        widgets = {"actors": forms.CheckboxSelectMultiple, "deadline": DATE}
        field_classes = {"actors": IdMultipleChoiceField}
        localized_fields = ["baseline", "target"]
