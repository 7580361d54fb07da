"""Reading numbers that come in addresses and forms, where anything can be written."""

from django import forms

BIGGEST_ID = 2**63 - 1  # PostgreSQL's bigint


def id_from(value: object) -> int | None:
    """A primary key from text, or None for anything that cannot be one (blank, signs,
    non-ASCII digits, or too large for the database)."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= BIGGEST_ID else None


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Checkboxes of objects by id that refuse anything that cannot be an id (a huge number
    would otherwise reach the database) with the field's own message."""

    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else []:
            if id_from(item) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(item)[:20]},
                )
        return super()._check_values(value)


def query_without(request, *names: str) -> str:
    """The page's address query without `names` (a pager's links add their own page)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
