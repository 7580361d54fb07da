"""The roll-up rule, written once.

"x af N" is the progress rows marked done out of the rows that count: every row but those
marked "ikke relevant", which leave the denominator. A row is *open* while it counts and is
not done, and *overdue* when it is open and its action's deadline has passed. Every page,
report, reminder and chart asks here: in Python (`Tally.of`), in the ORM (`done`, `counted`,
`open_rows`, `overdue`, each relative to a `path` to the progress row) and in raw SQL
(`sql_done`, `sql_counted`).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

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

    @classmethod
    def of(cls, statuses: Iterable[str]) -> "Tally":
        """The tally of rows with these statuses."""
        tally = cls()
        for status in statuses:
            tally.done += status == DONE
            tally.counted += status != NOT_COUNTED
        return tally

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.counted) if self.counted else 0

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(self.done + other.done, self.counted + other.counted)
