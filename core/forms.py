"""How form widgets are drawn.

Django draws each option of a select with its own template, about a tenth of a millisecond
each; a handleplan's choice of a school's actions or an import's choice of institutions has
hundreds. The renderer writes the same markup for a select in Python and leaves every other
widget to Django's templates.
"""

from django.forms.renderers import DjangoTemplates
from django.forms.widgets import Select
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attributes(attrs: dict) -> str:
    """Django's widgets/attrs.html: a True value is written bare, a False one left out."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict) -> SafeString:
    """A select as Django's widgets/select.html and select_option.html write it."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{_attributes(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return SafeString("".join(parts))  # nosec B703 (every value above is escaped)


class QuickSelectRenderer(DjangoTemplates):
    """Django's renderer, but for selects with the plain option template."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if template_name == Select.template_name and all(
            option["template_name"] == OPTION_TEMPLATE
            for _name, options, _index in widget["optgroups"]
            for option in options
        ):
            return select_html(widget)
        return super().render(template_name, context, request)
