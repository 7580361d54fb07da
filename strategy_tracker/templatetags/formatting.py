from django import template
from django.utils.translation import gettext as _

from institutions.selectors import person_name

register = template.Library()


@register.filter
def kroner(amount: int | None) -> str:
    """Whole kroner the Danish way: 160000 → "160.000 kr."."""
    if amount is None:
        return ""
    return _("%(amount)s kr.") % {"amount": f"{amount:,}".replace(",", ".")}


@register.filter
def percent(part: int, whole: int) -> int:
    """Whole-number percentage of part in whole; 0 when there is nothing to count."""
    if not whole:
        return 0
    return round(100 * part / whole)


@register.filter
def with_class(field, css_class: str):
    """Render a bound form field with the design system's CSS class on its widget."""
    return field.as_widget(attrs={"class": css_class})


register.filter("person_name", person_name)
