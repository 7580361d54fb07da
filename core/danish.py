"""Amounts and deadlines as Danes write them: one parser each, for forms and spreadsheets,
and one way to write an amount. A deadline in words ("efteråret 2026") keeps its words and
means the last day of the period it names."""

import datetime as dt
import re
from decimal import Decimal

from django.utils.formats import date_format
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

MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
# A season or a part of a year, and the month it ends with.
PERIOD_END_MONTH = {
    "foråret": 5,
    "sommeren": 8,
    "efteråret": 11,
    "primo": 3,
    "medio": 6,
    "ultimo": 12,
    "1. halvår": 6,
    "2. halvår": 12,
    "1. kvartal": 3,
    "2. kvartal": 6,
    "3. kvartal": 9,
    "4. kvartal": 12,
    **{month: number for number, month in enumerate(MONTHS, start=1)},
}
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PERIOD = re.compile(r"(?P<period>" + "|".join(map(re.escape, PERIOD_END_MONTH)) + r")\s+" + _YEAR)
_QUARTER = re.compile(r"[qk](?P<quarter>[1-4])\s+" + _YEAR)
_WEEK = re.compile(r"uge\s+(?P<week>\d{1,2}),?\s+" + _YEAR)
_SCHOOL_YEAR = re.compile(r"skoleåret\s+" + _YEAR + r"\s*/\s*(?:\d\d|\d{4})")
# Words around the deadline that do not change it.
_FILLER = re.compile(r"^(?:senest|inden|ved|i|udgangen af|slutningen af|\s)+|[.\s]+$")


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def deadline_from_words(words: str) -> dt.date:
    """The date a deadline in words means: the last day of the period it names.

    "2026" → 31 December 2026; "foråret 2026" → 31 May, "sommeren" → 31 August,
    "efteråret" → 30 November; "primo 2027" → 31 March, "medio" → 30 June, "ultimo" →
    31 December; "1. kvartal 2027" (also "K1 2027", "Q1 2027") → 31 March; "1. halvår" →
    30 June, "2. halvår" → 31 December; "marts 2027" → 31 March; "uge 36 2026" → the Sunday
    of that week; "skoleåret 2026/27" → 30 June 2027. "Senest", "inden", "inden udgangen
    af" and the like before them change nothing. Anything else raises ValueError with a
    Danish message.
    """
    text = _FILLER.sub("", " ".join(str(words).lower().split()))
    if re.fullmatch(_YEAR, text):
        return dt.date(int(text), 12, 31)
    if match := _PERIOD.fullmatch(text):
        return _month_end(int(match["year"]), PERIOD_END_MONTH[match["period"]])
    if match := _QUARTER.fullmatch(text):
        return _month_end(int(match["year"]), 3 * int(match["quarter"]))
    if match := _WEEK.fullmatch(text):
        try:
            return dt.date.fromisocalendar(int(match["year"]), int(match["week"]), 7)
        except ValueError:
            raise ValueError(_("Week %(week)s does not exist.") % {"week": match["week"]}) from None
    if match := _SCHOOL_YEAR.fullmatch(text):
        return dt.date(int(match["year"]) + 1, 6, 30)
    raise ValueError(
        _(
            "“%(words)s” cannot be read as a deadline. Write a date (31-12-2026) or e.g. "
            "“efteråret 2026”, “primo 2027”, “1. kvartal 2027”, “uge 36 2026” or “2026”."
        )
        % {"words": str(words).strip()[:60]}
    )


def parse_deadline(value: str) -> tuple[dt.date | None, str]:
    """A deadline written as a date ("31-12-2026", "2026-12-31"): (the date, ""); as words
    ("Efteråret 2026", "primo 2027"): (the date they mean, the words as written); empty:
    (None, ""). Words that cannot be read raise ValueError with a Danish message."""
    text = str(value).strip()
    if not text:
        return None, ""
    for written in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, written).date(), ""  # noqa: DTZ007
        except ValueError:
            continue
    return deadline_from_words(text), text


def deadline_text(deadline: dt.date | None, words: str = "") -> str:
    """How a deadline is shown: its words with the date they mean ("efteråret 2026
    (30. november 2026)"), or the date alone."""
    if deadline is None:
        return words
    day = date_format(deadline, "j. F Y")
    return f"{words} ({day})" if words else day
