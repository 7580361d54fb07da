"""Amounts and deadlines as Danes write them: one parser each, for forms and spreadsheets."""

import datetime as dt
import re

from django.utils.translation import gettext as _


def parse_kroner(value: str) -> int | None:
    """ "160.000", "160 000 kr." and "160000" are 160000 kroner; "" is none."""
    text = str(value).strip().lower().removesuffix("kr.").removesuffix("kr").strip()
    if not text:
        return None
    text = text.replace(".", "").replace(" ", "").replace("\xa0", "")
    if "," in text:
        whole, _sep, decimals = text.partition(",")
        if decimals.strip("0"):
            raise ValueError(_("Write the amount in whole kroner, e.g. 160.000."))
        text = whole
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(_("Write the amount in whole kroner, e.g. 160.000."))
    return int(text)


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
