"""Selects are written in Python (core/forms.py) exactly as Django's templates write them."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.forms import QuickSelectRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("1", "Æbler & pærer"), ("2", '"Citat"')])
    grouped = forms.ChoiceField(
        choices=[("Skole", [("3", "<b>Fed</b>"), ("4", "Fire")]), ("Dagtilbud", [("5", "Fem")])],
        required=False,
        help_text="Vælg én",
    )
    several = forms.MultipleChoiceField(
        choices=[("6", "Seks"), ("7", "Syv")],
        widget=forms.SelectMultiple(attrs={"class": "form-select", "data-x": True}),
    )


@pytest.mark.parametrize(
    "data",
    [None, {"plain": "2", "grouped": "3", "several": ["6", "7"]}, {"plain": "9"}],
)
def test_a_select_is_written_as_djangos_templates_write_it(data):
    quick = Choices(data, renderer=QuickSelectRenderer())
    slow = Choices(data, renderer=DjangoTemplates())
    if data:
        quick.is_valid(), slow.is_valid()
    for name in ("plain", "grouped", "several"):
        assert str(quick[name]) == str(slow[name])
    assert "&lt;b&gt;Fed&lt;/b&gt;" in str(quick["grouped"])
    assert 'aria-describedby="id_grouped_helptext"' in str(quick["grouped"])


def test_the_site_draws_selects_with_it(settings):
    assert settings.FORM_RENDERER == "core.forms.QuickSelectRenderer"
    assert isinstance(Choices().renderer, QuickSelectRenderer)
