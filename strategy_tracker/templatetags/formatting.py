from decimal import Decimal
from difflib import SequenceMatcher

from django import template
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from actions.rollup import Tally
from core import fragments
from core.danish import deadline_text, format_kroner
from institutions.selectors import person_name

register = template.Library()


@register.filter
def kroner(amount: int | None) -> str:
    """Whole kroner the Danish way: 160000 → "160.000 kr."."""
    return "" if amount is None else format_kroner(amount)


@register.filter
def deadline(item) -> str:
    """An action's deadline: its words with the date they mean, or the date alone."""
    return deadline_text(item.deadline, getattr(item, "deadline_label", ""))


@register.filter
def kroner_abs(amount: int | None) -> str:
    """An amount without its sign, for sentences that already say "more" or "less"."""
    return kroner(abs(amount) if amount is not None else None)


@register.filter
def number(value: Decimal | None) -> str:
    """A measured value the Danish way, without trailing zeros: 3.50 → "3,5", 4.00 → "4"."""
    if value is None:
        return ""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return number_format(Decimal(text))


@register.filter
def percent(done: int, counted: int) -> int:
    """ "x af N" as a whole-number percentage, by the roll-up rule (0 with nothing to count)."""
    return Tally(done or 0, counted or 0).percent


@register.filter
def with_class(field, css_class: str):
    """Render a bound form field with the design system's CSS class on its widget, beside any
    class the form gives it (a width such as "input-width-xl")."""
    own = field.field.widget.attrs.get("class")
    return field.as_widget(attrs={"class": f"{css_class} {own}" if own else css_class})


@register.filter
def option_with_class(option, css_class: str):
    """Render one choice of a checkbox or radio list with the design system's CSS class,
    which draws the box its label shows."""
    option.data["attrs"] = {**option.data["attrs"], "class": css_class}
    return option.tag()


@register.filter
def history_kind(record) -> str:
    """What a history record did to its object: added, changed or removed."""
    return {"+": _("Added"), "-": _("Removed")}.get(record.history_type, _("Changed"))


@register.simple_tag
def word_diff(old, new) -> str:
    """The words removed (<del>) and added (<ins>) between two texts, escaped."""
    old_words, new_words = str(old or "").split(), str(new or "").split()
    parts = []
    matcher = SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape(" ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            parts.append(format_html("<del>{}</del>", " ".join(old_words[a1:a2])))
        if b2 > b1:
            parts.append(format_html("<ins>{}</ins>", " ".join(new_words[b1:b2])))
    return mark_safe(" ".join(parts))  # noqa: S308 - every part is escaped above  # nosec B308, B703


register.filter("person_name", person_name)


@register.filter
def picker(field):
    """An institution picker's boxes (those chosen, then those its search found)."""
    return field.field.widget.picker_options(field.html_name, field.value())


@register.simple_tag
def hole(kind: str, key) -> str:
    """A place in a cached part that the view fills in on each request (core.fragments)."""
    return fragments.hole(kind, key)
