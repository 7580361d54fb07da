"""The key messages on a report's first page: plain Danish sentences computed from the same
numbers the report's tables show, so a committee reads the conclusion first."""

import datetime as dt
from collections.abc import Iterable

from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actions.rollup import Assessment, Pace, Tally
from core.danish import format_kroner
from goals.models import Strategy

from .selectors import Matrix


def grouped(number: int) -> str:
    """A whole number with the thousands marked the Danish way: 23265 → "23.265"."""
    return number_format(number, force_grouping=True)


def _listed(rows: Iterable[tuple[str, Tally]]) -> str:
    return ", ".join(f"{name} ({tally.percent} %)" for name, tally in rows)


def progress_message(*, total: Tally, pace: Pace) -> str:
    """How far the whole strategy is, against the time gone, with its assessment."""
    assessment = pace.assess(total)
    return _(
        "The strategy is %(percent)s %% done: %(done)s of %(counted)s actions at the "
        "institutions. %(gone)s %% of the period %(start)s–%(end)s has gone. "
        "Assessment: %(word)s."
    ) % {
        "percent": total.percent,
        "done": grouped(total.done),
        "counted": grouped(total.counted),
        "gone": round(100 * pace.expected()),
        "start": date_format(pace.start, "j. F Y"),
        "end": date_format(pace.end, "j. F Y"),
        "word": str(assessment.word).lower() if assessment else "–",
    }


def behind_message(*, rows: list[tuple[str, Tally]], pace: Pace, all_right: str, behind: str):
    """Which of the rows (domains or actors) are behind, or that none is."""
    late = [(name, tally) for name, tally in rows if pace.assess(tally) == Assessment.BEHIND]
    return behind % {"names": _listed(late)} if late else all_right


def since_message(*, since: dt.date, change_count: int, then: Tally, now: Tally) -> str:
    change = now.percent - then.percent
    return ngettext(
        "Since %(since)s, %(count)s change has been recorded; the share done went from "
        "%(then)s %% to %(now)s %% (%(change)+d percentage points).",
        "Since %(since)s, %(count)s changes have been recorded; the share done went from "
        "%(then)s %% to %(now)s %% (%(change)+d percentage points).",
        change_count,
    ) % {
        "since": date_format(since, "j. F Y"),
        "count": grouped(change_count),
        "then": then.percent,
        "now": now.percent,
        "change": change,
    }


def overdue_message(overdue_count: int) -> str:
    if not overdue_count:
        return _("No action is past its deadline.")
    return ngettext(
        "%(count)s action is past its deadline without being done everywhere.",
        "%(count)s actions are past their deadline without being done everywhere.",
        overdue_count,
    ) % {"count": overdue_count}


def money_message(*, in_plans: int, planned: int) -> str:
    if not in_plans and not planned:
        return _("No action plan has set money aside yet, and no action names a budget.")
    return _(
        "The action plans set aside %(in_plans)s in all; the strategy's actions name "
        "budgets of %(planned)s."
    ) % {"in_plans": format_kroner(in_plans), "planned": format_kroner(planned)}


def key_messages(
    *,
    strategy: Strategy,
    matrix: Matrix,
    pace: Pace,
    overdue_count: int,
    money: tuple[int, int],
    since: tuple[dt.date, int, Tally] | None = None,
) -> list[str]:
    """The first page's messages, most important first. With no row to count, one sentence
    says so instead of a page of zeros. `since` is (the date, the changes since, the share
    then); `money` is (set aside in plans, named by the actions)."""
    if not matrix.total.counted:
        return [
            _(
                "No institution has any of the strategy's actions yet, so there is no "
                "progress to report."
            )
        ]
    messages = [progress_message(total=matrix.total, pace=pace)]
    messages.append(
        behind_message(
            rows=[(row.domain.name, row.total) for row in matrix.rows],
            pace=pace,
            all_right=_("No %(domains)s are behind.") % {"domains": strategy.domains_noun},
            behind=_("%(domains)s behind:") % {"domains": capfirst(strategy.domains_noun)}
            + " %(names)s.",
        )
    )
    messages.append(
        behind_message(
            rows=[
                (actor.name, tally)
                for actor, tally in zip(matrix.actors, matrix.column_totals, strict=True)
                if tally.counted
            ],
            pace=pace,
            all_right=_("No kind of institution is behind."),
            behind=_("Kinds of institution behind: %(names)s."),
        )
    )
    if since:
        day, change_count, then = since
        messages.append(
            since_message(since=day, change_count=change_count, then=then, now=matrix.total)
        )
    messages.append(overdue_message(overdue_count))
    messages.append(money_message(in_plans=money[0], planned=money[1]))
    return messages


def plan_messages(*, page, progress, pace: Pace) -> list[str]:
    """A handleplan's first page: how far its institution (or the whole strategy, for the
    municipal plan) is, what the plan holds and costs, and the central pool's money."""
    messages = []
    if progress is not None and progress.counted:
        assessment = pace.assess(progress)
        messages.append(
            _("%(done)s of %(counted)s actions done (%(percent)s %%). Assessment: %(word)s.")
            % {
                "done": grouped(progress.done),
                "counted": grouped(progress.counted),
                "percent": Tally(progress.done, progress.counted).percent,
                "word": str(assessment.word).lower() if assessment else "–",
            }
        )
    if not page.items:
        messages.append(_("The plan has no items yet."))
        return messages
    messages.append(
        ngettext(
            "The plan has %(count)s item and costs %(total)s over the period.",
            "The plan has %(count)s items and costs %(total)s over the period.",
            len(page.items),
        )
        % {"count": len(page.items), "total": format_kroner(page.overview.total)}
    )
    if page.overview.allocated or page.overview.central_planned:
        messages.append(
            _("From the central pool: %(allocated)s allocated, %(planned)s planned.")
            % {
                "allocated": format_kroner(page.overview.allocated),
                "planned": format_kroner(page.overview.central_planned),
            }
        )
    return messages
