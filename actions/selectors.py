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
