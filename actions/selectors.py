from dataclasses import dataclass, field

from goals.models import Domain, Strategy
from institutions.models import Institution

from .models import Progress


@dataclass
class DomainProgress:
    """One domain's actions at one institution, in the strategy's order."""

    domain: Domain
    rows: list[Progress] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(row.status == Progress.Status.DONE for row in self.rows)

    @property
    def counted(self) -> int:
        return sum(row.status != Progress.Status.NOT_RELEVANT for row in self.rows)


def institution_progress(*, institution: Institution, strategy: Strategy) -> list[DomainProgress]:
    """Every action that applies to the institution, grouped by domain; sub-items follow
    their parent. One query."""
    rows = Progress.objects.filter(
        institution=institution, action__goal__domain__strategy=strategy
    ).select_related("action__goal__domain", "action__parent", "updated_by")

    def position(row):
        action = row.action
        top = action.parent or action
        return (
            action.goal.domain.order,
            top.order,
            top.pk,
            action.parent_id is not None,
            action.order,
        )

    sections: dict[int, DomainProgress] = {}
    for row in sorted(rows, key=position):
        domain = row.action.goal.domain
        sections.setdefault(domain.pk, DomainProgress(domain=domain)).rows.append(row)
    return list(sections.values())


@dataclass
class ProgressChange:
    """One recorded change of an institution's status on an action: who, when, old → new."""

    record: object
    previous: object | None

    @property
    def status_changed(self) -> bool:
        return self.previous is None or self.previous.status != self.record.status

    @property
    def old_status(self) -> str:
        return self.previous.get_status_display() if self.previous else ""

    @property
    def new_status(self) -> str:
        return self.record.get_status_display()


def progress_changes(*, institution: Institution, action_id: int | None = None, limit: int = 50):
    """The newest changes at an institution (or to one action there), each with the record
    before it so the page can say old → new. Two queries, whatever the limit."""
    records = Progress.history.filter(institution_id=institution.pk).exclude(history_type="+")
    if action_id is not None:
        records = records.filter(action_id=action_id)
    newest = list(
        records.select_related("history_user", "action").order_by("-history_date", "-history_id")[
            :limit
        ]
    )
    if not newest:
        return []
    earlier = Progress.history.filter(
        id__in={record.id for record in newest}, history_date__lte=newest[0].history_date
    ).order_by("id", "history_date", "history_id")
    before = {}
    previous_of = {}
    for record in earlier:
        previous_of[record.history_id] = before.get(record.id)
        before[record.id] = record
    return [ProgressChange(record, previous_of.get(record.history_id)) for record in newest]
