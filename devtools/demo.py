"""Demo data: invented institutions, people, two years of progress history, an indicator,
handleplaner and a central pool allocation."""

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from actions.models import Action, ActionPlanItem, Progress
from actions.services import plan_item_add, pool_allocation_create, progress_sync
from actions.tallies import tallies_recount
from core import fragments
from core.history import history_note
from goals.models import Indicator, Strategy
from goals.services import measurement_record
from institutions.models import Actor, Institution, Membership, Municipality, User
from institutions.selectors import municipality_current
from institutions.services import municipality_name
from reports.days import days_close, days_reopen

NOTES = {
    Progress.Status.IN_PROGRESS: [
        "Drøftet på personalemødet; plan lagt for foråret.",
        "Ressourcepersonen er i gang med en første udgave.",
        "Aftalt med ledelsen, arbejdet er startet.",
    ],
    Progress.Status.DONE: [
        "Gennemført og evalueret i teamet.",
        "Udført; beskrevet i den lokale handleplan.",
        "Færdig, og forældrene er orienteret via Aula.",
    ],
}
NOT_RELEVANT_REASONS = [
    "Løses i fællesskab med nabo-institutionen.",
    "Vi har ikke egne enheder; det varetages centralt.",
]


@dataclass
class DemoSummary:
    institutions: int
    users: int
    progress_changes: int


@transaction.atomic
def demo_create(*, document: dict[str, Any], strategy: Strategy, now: dt.datetime) -> DemoSummary:
    """Create the demo institutions and users and a history of progress over two years."""
    start, end = (dt.date.fromisoformat(day) for day in document["strategy_period"])
    strategy.period_start, strategy.period_end = start, end
    strategy.save(update_fields=["period_start", "period_end"])

    # The demo is set up: "Kom i gang" stays out of its consultants' menu.
    municipality = municipality_current()
    municipality.name = strategy.municipality_name
    municipality.getting_started = {Municipality.FINISHED: "done"}
    municipality_name(municipality=municipality)
    actors = {actor.code: actor for actor in Actor.objects.all()}
    institutions = [
        Institution(
            name=document["administration"]["name"],
            actor=actors[Actor.ADMINISTRATION],
            area=document["administration"]["area"],
        )
    ]
    for code, key in [("skole", "schools"), ("dagtilbud", "daycare")]:
        institutions += [
            Institution(
                name=item["name"],
                actor=actors[code],
                area=item["area"],
                children_count=item["children"],
                is_active=item.get("active", True),
            )
            for item in document[key]
        ]
    Institution.objects.bulk_create(institutions)
    by_name = {institution.name: institution for institution in institutions}

    users = []
    for item in document["users"]:
        create = (
            User.objects.create_superuser if item.get("superuser") else User.objects.create_user
        )
        user = create(
            item["email"],
            document["password"],
            first_name=item["first_name"],
            last_name=item["last_name"],
            role=item["role"],
        )
        for institution_name, role in item.get("memberships", []):
            Membership.objects.create(user=user, institution=by_name[institution_name], role=role)
        users.append(user)
    # Every other institution gets a leader who cannot sign in, so history names a person.
    members = {m.institution_id: m.user for m in Membership.objects.select_related("user")}
    consultant = next(user for user in users if user.role == User.Role.CONSULTANT)
    for institution in institutions:
        if institution.pk not in members and institution.actor.code != Actor.ADMINISTRATION:
            leader = User.objects.create_user(
                f"leder.{institution.pk}@example.org",
                None,
                first_name="Leder af",
                last_name=institution.name,
            )
            Membership.objects.create(
                user=leader, institution=institution, role=Membership.Role.LEADER
            )
            members[institution.pk] = leader
            users.append(leader)

    progress_sync(institution_ids=[institution.pk for institution in institutions])
    changes = _progress_history_create(
        strategy=strategy, members=members, consultant=consultant, now=now
    )
    _plans_create(
        document=document, strategy=strategy, by_name=by_name, members=members, by=consultant
    )
    tallies_recount()  # written directly, past the services
    # The history was written at past dates: its days are written again, from it.
    days_reopen(strategy)
    days_close(strategy)
    fragments.changed(*fragments.KINDS)
    return DemoSummary(institutions=len(institutions), users=len(users), progress_changes=changes)


def _progress_history_create(*, strategy, members, consultant, now) -> int:
    """Walk each Progress row through a few dated status changes, recorded as history."""
    rng = random.Random(2026)  # noqa: S311 - demo data, repeatable  # nosec B311
    rows = Progress.objects.filter(action__goal__domain__strategy=strategy).order_by("pk")
    changes = 0
    for progress in rows:
        final = rng.choices(
            [
                Progress.Status.NOT_STARTED,
                Progress.Status.IN_PROGRESS,
                Progress.Status.DONE,
                Progress.Status.NOT_RELEVANT,
            ],
            weights=[25, 35, 32, 8],
        )[0]
        steps = {
            Progress.Status.NOT_STARTED: [],
            Progress.Status.IN_PROGRESS: [Progress.Status.IN_PROGRESS],
            Progress.Status.DONE: [Progress.Status.IN_PROGRESS, Progress.Status.DONE],
            Progress.Status.NOT_RELEVANT: [Progress.Status.NOT_RELEVANT],
        }[final]
        days_ago = sorted(rng.sample(range(2, 730), len(steps)), reverse=True)
        user = members.get(progress.institution_id, consultant)
        for status, days in zip(steps, days_ago, strict=True):
            when = now - dt.timedelta(days=days, minutes=rng.randrange(8 * 60))
            progress.status = status
            progress.reason = rng.choice(NOT_RELEVANT_REASONS) if status == "not_relevant" else ""
            progress.note = rng.choice(NOTES.get(status, [""]))
            progress.updated_by = user
            progress.updated_at = when
            progress.version += 1
            progress._history_date = when
            history_note(progress, by=user)
            progress.save()
            changes += 1
    return changes


def _plans_create(*, document, strategy, by_name, members, by) -> None:
    """The demo's indicator with reported values, handleplaner and a central pool allocation."""
    actors = {actor.code: actor for actor in Actor.objects.all()}
    domains = {domain.name: domain for domain in strategy.domains.all()}
    for item in document["indicators"]:
        indicator = Indicator.objects.create(
            goal=domains[item["domain"]].goals.order_by("order").first(),
            name=item["name"],
            unit=item["unit"],
            baseline=item["baseline"],
            target=item["target"],
            deadline=dt.date.fromisoformat(item["deadline"]),
        )
        indicator.actors.set([actors[code] for code in item["actors"]])
        for name, values in item["values"].items():
            for day, value in values:
                measurement_record(
                    indicator=indicator,
                    institution=by_name[name],
                    value=value,
                    measured_on=dt.date.fromisoformat(day),
                    by=members[by_name[name].pk],
                )
    pool = document["pool_allocation"]
    pool_allocation_create(
        strategy=strategy,
        title=pool["title"],
        amount=pool["amount"],
        actor_ids=[actors[code].pk for code in pool["actors"]],
        by=by,
    )
    actions = {
        action.text: action for action in Action.objects.filter(goal__domain__strategy=strategy)
    }
    for plan in document["action_plans"]:
        institution = by_name[plan["institution"]] if plan["institution"] else None
        for item in plan["items"]:
            plan_item_add(
                strategy=strategy,
                institution=institution,
                item=ActionPlanItem(
                    action=actions.get(item.get("action")),
                    text=item.get("text", ""),
                    domain=domains.get(item.get("domain")),
                    responsible=item["responsible"],
                    deadline=dt.date.fromisoformat(item["deadline"]),
                    budget=item["budget"],
                    funding=item["funding"],
                    recurrence=item["recurrence"],
                ),
                by=members[institution.pk] if institution else by,
            )


def demo_exists(*, document: dict[str, Any]) -> bool:
    return User.objects.filter(email=document["users"][0]["email"]).exists()
