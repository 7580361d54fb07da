from django import forms
from django.utils.translation import gettext_lazy as _

from core.params import IdMultipleChoiceField

from .models import Actor, Institution, Membership, Municipality, User


class ActorForm(forms.ModelForm):
    """A kind of institution as the municipality names it: "Dagpleje", "SFO", "Klub"."""

    class Meta:
        model = Actor
        fields = ["name", "order"]
        help_texts = {
            "name": _("As your strategy and spreadsheets write it, e.g. “Dagpleje” or “SFO”."),
            "order": _("Kinds are shown in this order, lowest first."),
        }

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if Actor.objects.exclude(pk=self.instance.pk).filter(name__iexact=name).exists():
            raise forms.ValidationError(_("There is already a kind with that name."))
        return name


class MunicipalityForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ["name", "header_text"]
        help_texts = {"name": _("As it should read everywhere, e.g. “Viborg Kommune”.")}

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "actor", "area", "children_count", "is_active"]


class PersonForm(forms.ModelForm):
    institutions = IdMultipleChoiceField(
        label=_("Institutions"),
        queryset=Institution.objects.select_related("actor").order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    membership_role = forms.ChoiceField(
        label=_("Role at the institutions"),
        choices=[("", "—"), *Membership.Role.choices],
        required=False,
    )

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name", "role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            memberships = list(self.instance.memberships.all())
            self.initial["institutions"] = [m.institution_id for m in memberships]
            if memberships:
                self.initial["membership_role"] = memberships[0].role

    def clean(self):
        cleaned = super().clean()
        institutions = cleaned.get("institutions")
        if cleaned.get("role") == User.Role.STAFF and not institutions:
            self.add_error("institutions", _("Choose the institutions this person works for."))
        if institutions and not cleaned.get("membership_role"):
            self.add_error("membership_role", _("Choose the person's role at the institutions."))
        return cleaned


class InstitutionSearchForm(forms.Form):
    """The institution list's search, from the address so a search can be shared."""

    q = forms.CharField(label=_("Search for an institution"), max_length=100, required=False)
    actor = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=Actor.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All kinds"),
    )


class WorkbookForm(forms.Form):
    prefix = "workbook"  # beside the import form's own "file" on the same page
    file = forms.FileField(label=_("Workbook (XLSX)"))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    institution = forms.ModelChoiceField(
        label=_("Institution (for progress)"),
        queryset=Institution.objects.order_by("name"),
        required=False,
    )
    file = forms.FileField(label=_("File (XLSX or CSV)"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.slug, kind.label) for kind in kinds.values()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "status" and not cleaned.get("institution"):
            self.add_error("institution", _("Choose the institution the progress belongs to."))
        return cleaned


class SignInLimitLiftForm(forms.Form):
    email = forms.EmailField(max_length=320)
