from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.danish import parse_deadline, parse_kroner
from core.params import IdMultipleChoiceField
from goals.forms import DATE, VersionedForm
from goals.models import TEXT, Goal, Strategy
from institutions.forms import InstitutionPicker
from institutions.models import Actor, Institution

from .models import REASON, Action, ActionPlanItem, Progress
from .selectors import named_outside_kinds


class ProgressForm(forms.Form):
    """The state a person wants, never a toggle: the same form sent twice does the same."""

    status = forms.ChoiceField(label=_("Status"), choices=Progress.Status.choices)
    reason = forms.CharField(
        label=_("Why is it not relevant?"), max_length=REASON, required=False, strip=True
    )
    note = forms.CharField(
        label=_("What have we done?"),
        max_length=TEXT,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Progress.Status.NOT_RELEVANT and not cleaned.get("reason"):
            self.add_error("reason", _("Say briefly why the action is not relevant here."))
        return cleaned


class KronerField(forms.IntegerField):
    """Whole kroner as Danes write them: "160.000", "160 000" or "160.000 kr."."""

    default_error_messages = {
        "invalid": _("Write the amount in whole kroner, e.g. 160.000."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return parse_kroner(value)
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)


class ActionPlanItemForm(forms.ModelForm):
    budget = KronerField(
        label=_("Budget (DKK)"),
        min_value=0,
        max_value=2_000_000_000,
        initial=0,
        help_text=_("Whole kroner. For a recurring item, the amount per year."),
    )

    class Meta:
        model = ActionPlanItem
        fields = [
            "action",
            "text",
            "domain",
            "responsible",
            "deadline",
            "budget",
            "funding",
            "recurrence",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2}),
            "deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "action": _("An action from the strategy to focus on, or leave it empty …"),
            "text": _("… and describe a local initiative of your own."),
        }

    def __init__(self, *args, actions, domains, strategy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions
        self.fields["action"].empty_label = _("— a local initiative —")
        self.fields["domain"].queryset = domains
        self.fields["domain"].label = capfirst(strategy.domain_noun)
        self.fields["domain"].help_text = _(
            "For a local initiative; an action from the strategy has its own %(domain)s."
        ) % {"domain": strategy.domain_noun}

    def clean(self):
        cleaned = super().clean()
        text_refused = "text" in self.errors  # e.g. too long: that message says enough
        if not cleaned.get("action") and not text_refused and not cleaned.get("text", "").strip():
            self.add_error(
                "text", _("Choose an action from the strategy or describe a local initiative.")
            )
        return cleaned


class PlanApproveForm(forms.Form):
    approved_on = forms.DateField(
        label=_("Approved on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class PoolAllocationForm(forms.Form):
    title = forms.CharField(label=_("What the money is for"), max_length=200)
    amount = KronerField(label=_("Amount (DKK)"), min_value=1, max_value=2_000_000_000)
    actors = IdMultipleChoiceField(
        label=_("Kinds of institution"),
        queryset=Actor.objects.local(),
        widget=forms.CheckboxSelectMultiple,
    )
    # A fingerprint of the previewed allocation: confirming a different one is refused.
    preview = forms.CharField(required=False, widget=forms.HiddenInput)


class MeasurementForm(forms.Form):
    value = forms.DecimalField(
        label=_("Value"), max_digits=12, decimal_places=2, min_value=0, localize=True
    )
    measured_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ActionForm(VersionedForm):
    budget = KronerField(label=_("Budget (DKK)"), min_value=0, required=False)

    class Meta:
        model = Action
        fields = [
            "text",
            "goal",
            "actors",
            "institutions",
            "parent",
            "responsible",
            "deadline",
            "deadline_label",
            "budget",
        ]
        widgets = {
            "actors": forms.CheckboxSelectMultiple,
            "institutions": InstitutionPicker,
            "deadline": DATE,
        }
        help_texts = {
            "institutions": _(
                "Leave empty when every institution of the kinds above carries out the action. "
                "For a project for one or two named units, tick them: only they follow it."
            ),
            "deadline": _("Filled in from the words when the deadline is written in words."),
            "deadline_label": _(
                "E.g. “efteråret 2026”, “primo 2027”, “1. kvartal 2027” or “uge 36 2026”: "
                "the words are shown, and the deadline is the last day of the period."
            ),
        }
        field_classes = {"actors": IdMultipleChoiceField, "institutions": IdMultipleChoiceField}
        error_messages = {"actors": {"required": _("Choose who carries out the action.")}}

    def __init__(self, *args, strategy: Strategy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(domain__strategy=strategy).order_by(
            "domain__order", "order"
        )
        self.fields["goal"].label_from_instance = lambda goal: f"{goal.domain.name}: {goal}"
        self.fields["goal"].queryset = self.fields["goal"].queryset.select_related("domain")
        parents = Action.objects.filter(
            goal__domain__strategy=strategy, parent=None, archived_at=None
        )
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents.order_by("goal__domain__order", "order")
        self.fields["actors"].queryset = Actor.objects.order_by("order")
        self.fields["institutions"].queryset = (
            Institution.objects.filter(is_active=True)
            .select_related("actor")
            .order_by("actor__order", "name")
        )

    def clean(self):
        cleaned = super().clean()
        parent, goal = cleaned.get("parent"), cleaned.get("goal")
        if parent and goal and parent.goal_id != goal.pk:
            self.add_error("parent", _("A sub-item must belong to the same goal as its parent."))
        self._named_of_the_kinds(cleaned)
        self._deadline_from_words(cleaned)
        return cleaned

    def _named_of_the_kinds(self, cleaned) -> None:
        """Named institutions must be of the kinds that carry out the action, so that the
        roll-ups per kind count them."""
        refusal = named_outside_kinds(
            institutions=cleaned.get("institutions") or [], actors=cleaned.get("actors") or []
        )
        if refusal:
            self.add_error("institutions", refusal)

    def _deadline_from_words(self, cleaned) -> None:
        """Words such as "efteråret 2026" set the deadline's date (the last day of the period
        they name); a date typed as words becomes the date; unreadable words are refused."""
        if not cleaned.get("deadline_label"):
            return
        try:
            day, words = parse_deadline(cleaned["deadline_label"])
        except ValueError as error:
            self.add_error("deadline_label", str(error))
            return
        cleaned["deadline"], cleaned["deadline_label"] = day, words
