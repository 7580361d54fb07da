"""Amounts and deadlines as Danes write them: one parser each, for forms and spreadsheets,
and one way to write an amount."""

import datetime as dt
import re
from decimal import Decimal

from django.utils.translation import gettext as _

# Whole kroner: digits, or groups of three after a point or a space ("160.000", "1 500 000").
_WHOLE = re.compile(r"-?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+)")
_SUFFIXES = ("kr.", "kr", "mio.", "mio")


def format_kroner(amount: int) -> str:
    """Whole kroner the Danish way: 160000 → "160.000 kr."."""
    return _("%(amount)s kr.") % {"amount": f"{amount:,}".replace(",", ".")}


def parse_kroner(value: str) -> int | None:
    """An amount as Danes write it, in whole kroner; "" is none. Accepted: "160000",
    "160.000", "160 000", "160.000,00", "160.000 kr.", "1,5 mio." and "2 mio. kr." A point
    only separates thousands, so "1.5" is refused rather than read as 15."""
    text = str(value).strip().lower().replace("\xa0", " ")
    millions = False
    while text.endswith(_SUFFIXES):
        suffix = next(suffix for suffix in _SUFFIXES if text.endswith(suffix))
        millions = millions or suffix.startswith("mio")
        text = text.removesuffix(suffix).strip()
    if not text:
        return None
    whole, _comma, decimals = text.partition(",")
    if not _WHOLE.fullmatch(whole) or not re.fullmatch("[0-9]*", decimals):
        raise ValueError(_("Write the amount in whole kroner, e.g. 160.000."))
    amount = Decimal(whole.replace(".", "").replace(" ", "") + "." + (decimals or "0"))
    if millions:
        amount *= 1_000_000
    if amount != amount.to_integral_value():
        raise ValueError(_("Write the amount in whole kroner, e.g. 160.000."))
    return int(amount)


DATE_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%y"]


def parse_deadline(value: str) -> tuple[dt.date | None, str]:
    """A deadline written as a date ("31-12-2026", "2026-12-31") or as words ("Efteråret
    2026", "primo 2027"): (the date, "") or (None, the words)."""
    text = str(value).strip()
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date(), ""  # noqa: DTZ007
        except ValueError:
            continue
    return None, text
