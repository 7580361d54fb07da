"""The roll-up rule, written once.

"x af N" is the progress rows marked done out of the rows that count: every row but those
marked "ikke relevant", which leave the denominator. A row is *open* while it counts and is
not done, and *overdue* when it is open and its action's deadline has passed. Every page,
report, reminder and chart asks here: in Python (`Tally.of`), in the ORM (`done`, `counted`,
`open_rows`, `overdue`, each relative to a `path` to the progress row) and in raw SQL
(`sql_done`, `sql_counted`).
"""

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Progress

DONE = Progress.Status.DONE
NOT_COUNTED = Progress.Status.NOT_RELEVANT


def done(path: str = "") -> Q:
    """Rows marked done; `path` leads from the queried model to the progress row, e.g.
    "progress__" from actions."""
    return Q(**{f"{path}status": DONE})


def counted(path: str = "") -> Q:
    """Rows that count: all but "ikke relevant"."""
    return ~Q(**{f"{path}status": NOT_COUNTED})


def started(path: str = "") -> Q:
    """Rows someone has begun: in progress or done."""
    return Q(**{f"{path}status__in": [Progress.Status.IN_PROGRESS, DONE]})


def open_rows(path: str = "") -> Q:
    """Rows that count and are not done yet."""
    return counted(path) & ~done(path)


def overdue(*, today: dt.date, path: str = "") -> Q:
    """Open rows whose action's deadline is before `today`."""
    return open_rows(path) & Q(**{f"{path}action__deadline__lt": today})


# "Forfalder snart": open, with a deadline passed or within this many days.
DUE_SOON_DAYS = 30


def is_open(status: str) -> bool:
    """The Python side of `open_rows`."""
    return status not in (DONE, NOT_COUNTED)


def is_due_soon(status: str, deadline: dt.date | None, *, today: dt.date) -> bool:
    """Open, and the deadline has passed or is at most DUE_SOON_DAYS away."""
    return (
        is_open(status)
        and deadline is not None
        and deadline <= today + dt.timedelta(days=DUE_SOON_DAYS)
    )


def sql_done(column: str) -> str:
    """1 where the status in `column` is done, else 0, for hand-written SQL."""
    return f"(CASE WHEN {column} = '{DONE}' THEN 1 ELSE 0 END)"


def sql_counted(column: str) -> str:
    """1 where the status in `column` counts, else 0 (a missing status counts: not started)."""
    return f"(CASE WHEN {column} = '{NOT_COUNTED}' THEN 0 ELSE 1 END)"


@dataclass
class Tally:
    """ "x af N": done out of the rows that count."""

    done: int = 0
    counted: int = 0
    # Rows in progress or done, where a page assesses the pace (`assess`).
    started: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str]) -> "Tally":
        """The tally of rows with these statuses."""
        tally = cls()
        for status in statuses:
            tally.done += status == DONE
            tally.counted += status != NOT_COUNTED
            tally.started += status in (DONE, Progress.Status.IN_PROGRESS)
        return tally

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.counted) if self.counted else 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            self.done + other.done, self.counted + other.counted, self.started + other.started
        )


# --- On track or not ------------------------------------------------------------------------


class Assessment(enum.Enum):
    """A word and a symbol for how far something is against the time gone; the symbol is
    never the only carrier, and neither is the colour a page gives it."""

    DONE = ("done", "✓", _("Done"))
    ON_TRACK = ("on-track", "→", _("On track"))
    BEHIND = ("behind", "!", _("Behind"))
    NOT_STARTED = ("not-started", "–", _("Not started"))

    def __init__(self, slug, symbol, word):
        self.slug, self.symbol, self.word = slug, symbol, word


# Behind means more than this share of the rows below the share of time gone.
BEHIND_MARGIN = 0.10


def time_gone(*, start: dt.date, end: dt.date, today: dt.date) -> float:
    """How much of the span from `start` to `end` has passed on `today`, from 0 to 1."""
    if today >= end:
        return 1.0
    if today <= start:
        return 0.0
    return (today - start).days / (end - start).days


@dataclass(frozen=True)
class Pace:
    """The strategy's period and today: what share of the rows should be done by now."""

    start: dt.date
    end: dt.date
    today: dt.date

    def expected(self, deadline: dt.date | None = None) -> float:
        """The share of time gone towards the deadline, or the period's end without one."""
        end = deadline if deadline and deadline > self.start else self.end
        return time_gone(start=self.start, end=end, today=self.today)

    def assess(self, tally, deadline: dt.date | None = None) -> Assessment | None:
        """The rule, for anything with `done`, `counted` and `started` (a tally, an
        annotated action or institution); None when no row counts:

        1. every row that counts is done: Done;
        2. the deadline has passed with rows open, or the share done is more than
           BEHIND_MARGIN below the share of time gone (towards the deadline, or the
           strategy's period without one): Behind;
        3. no row is in progress or done: Not started;
        4. otherwise: On track.
        """
        done, counted = tally.done, tally.counted
        if not counted:
            return None
        if done >= counted:
            return Assessment.DONE
        if deadline and deadline < self.today:
            return Assessment.BEHIND
        if done / counted < self.expected(deadline) - BEHIND_MARGIN:
            return Assessment.BEHIND
        if not tally.started:
            return Assessment.NOT_STARTED
        return Assessment.ON_TRACK
