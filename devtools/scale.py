"""Copenhagen-scale data for measuring: the real strategy's shape grown to many goals, actions
and institutions, with years of progress history, written with bulk inserts."""

import datetime as dt
import json
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from actions.models import Action, ActionPlan, ActionPlanItem, Progress
from actions.services import progress_sync, strategy_create_from_document
from actions.tallies import tallies_recount
from core import fragments, tenancy
from goals.models import Goal, Strategy
from institutions.models import Actor, Institution, Municipality
from institutions.selectors import municipality_current
from institutions.services import municipality_add, municipality_save
from reports.days import days_close, days_reopen

AREAS = ["Nord", "Syd", "Øst", "Vest", "Centrum", "Amager", "Valby", "Brønshøj"]
STATUSES = [
    Progress.Status.NOT_STARTED,
    Progress.Status.IN_PROGRESS,
    Progress.Status.DONE,
    Progress.Status.NOT_RELEVANT,
]


@dataclass
class ScaleSummary:
    institutions: int
    goals: int
    actions: int
    progress_rows: int
    history_rows: int
    plan_items: int


def _grow_goals(strategy: Strategy, goals_wanted: int) -> list[Goal]:
    goals = list(Goal.objects.filter(domain__strategy=strategy).select_related("domain"))
    domains = list(strategy.domains.order_by("order"))
    extra = []
    for n in range(max(goals_wanted - len(goals), 0)):
        domain = domains[n % len(domains)]
        extra.append(
            Goal(domain=domain, text=f"Skalamål {n + 1} for {domain.name}.", order=100 + n)
        )
    return goals + Goal.objects.bulk_create(extra)


def _grow_actions(strategy: Strategy, goals: list[Goal], actions_wanted: int) -> int:
    """Copies of the real actions, spread over the goals, with the same actors."""
    real = list(
        Action.objects.filter(goal__domain__strategy=strategy, parent=None).prefetch_related(
            "actors"
        )
    )
    have = Action.objects.filter(goal__domain__strategy=strategy).count()
    copies, actor_links = [], []
    for n in range(max(actions_wanted - have, 0)):
        model = real[n % len(real)]
        copies.append(
            Action(
                goal=goals[n % len(goals)],
                text=f"{model.text} (skala {n + 1})",
                order=200 + n,
                budget=10_000 * (n % 20),
            )
        )
    Action.objects.bulk_create(copies)
    for n, action in enumerate(copies):
        model = real[n % len(real)]
        actor_links += [
            Action.actors.through(action_id=action.pk, actor_id=actor.pk)
            for actor in model.actors.all()
        ]
    Action.actors.through.objects.bulk_create(actor_links)
    return len(copies)


HISTORY_COLUMNS = [
    "id",
    "action_id",
    "institution_id",
    "status",
    "reason",
    "note",
    "version",
    "updated_at",
    "history_date",
    "history_type",
]


def _changes(rows, *, years: int, rng: random.Random, now: dt.datetime):
    """A status change for every (pk, action, institution) row every few months over the
    years, newest last: yields
    ("history", values under HISTORY_COLUMNS) for each change and ("row", (pk, status,
    reason, updated_at)) for the row's last status."""
    start = now - dt.timedelta(days=365 * years)
    for pk, action_id, institution_id in rows:
        when, status = start, Progress.Status.NOT_STARTED
        while True:
            # At a moment of the day of its own, as people tick one at a time.
            when += dt.timedelta(days=rng.randint(60, 150), seconds=rng.randint(0, 86_399))
            if when >= now:
                break
            status = rng.choices(STATUSES, weights=[20, 40, 35, 5])[0]
            reason = "Varetages centralt" if status == Progress.Status.NOT_RELEVANT else ""
            yield (
                "history",
                (pk, action_id, institution_id, status, reason, "", 1, when, when, "~"),
            )
        reason = "Varetages centralt" if status == Progress.Status.NOT_RELEVANT else ""
        last = when if status != Progress.Status.NOT_STARTED else None
        yield "row", (pk, status, reason, last)


def _history(rows, *, years: int, rng: random.Random, now: dt.datetime) -> int:
    """Write the years of changes and leave each row at its last status: PostgreSQL's COPY
    where the database has it (millions of rows in seconds), bulk inserts elsewhere."""
    if connection.vendor == "postgresql":
        return _history_copied(_changes(rows, years=years, rng=rng, now=now))
    history_model = Progress.history.model
    batch, written, changed = [], 0, []
    for kind, values in _changes(rows, years=years, rng=rng, now=now):
        if kind == "history":
            batch.append(history_model(**dict(zip(HISTORY_COLUMNS, values, strict=True))))
        else:
            pk, status, reason, updated_at = values
            changed.append(Progress(pk=pk, status=status, reason=reason, updated_at=updated_at))
        if len(batch) >= 5000:
            history_model.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    history_model.objects.bulk_create(batch)
    Progress.objects.bulk_update(changed, ["status", "reason", "updated_at"], batch_size=2000)
    return written + len(batch)


def _history_copied(changes) -> int:
    quote = connection.ops.quote_name
    history = quote(Progress.history.model._meta.db_table)
    columns = ", ".join(quote(column) for column in HISTORY_COLUMNS)
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE scale_last (id bigint, status text, reason text, "
            "updated_at timestamptz) ON COMMIT DROP"
        )
        # Two COPYs cannot run at once on one connection: the rows' last states wait in a list.
        last = []
        with cursor.cursor.copy(f"COPY {history} ({columns}) FROM STDIN") as copy:
            for kind, values in changes:
                if kind == "history":
                    copy.write_row(values)
                    written += 1
                else:
                    last.append(values)
        with cursor.cursor.copy("COPY scale_last FROM STDIN") as copy:
            for values in last:
                copy.write_row(values)
        progress = quote(Progress._meta.db_table)
        cursor.execute(
            # The table name is the model's, quoted; nothing here comes from input.
            f"UPDATE {progress} AS p SET status = l.status, reason = l.reason, "  # noqa: S608  # nosec B608
            "updated_at = l.updated_at FROM scale_last AS l WHERE p.id = l.id"
        )
        # Gone at once: the next municipality's rows may come in the same transaction.
        cursor.execute("DROP TABLE scale_last")
    return written


STRATEGY_FILE = settings.BASE_DIR / "fixtures" / "strategy_mariagerfjord.json"


def scale_municipalities(count: int) -> list[int]:
    """`count` more municipalities beside the one acted for, each on its own host name with the
    shipped strategy in force: the shape of a national installation. Their keys."""
    first = municipality_current()
    if not first.host:
        first.host = f"{first.slug}.skala.example"
        municipality_save(municipality=first)
    document = json.loads(STRATEGY_FILE.read_text(encoding="utf-8"))
    made = []
    for number in range(2, count + 2):
        municipality = municipality_add(
            municipality=Municipality(
                name=f"Skala Kommune {number}",
                slug=f"skala-{number}",
                host=f"skala-{number}.skala.example",
            )
        )
        with tenancy.acting_for(municipality.pk):
            strategy_create_from_document(document=document)
        made.append(municipality.pk)
    return made


def scale_tidy() -> None:
    """After bulk writes: the history in the order a real one has, and fresh statistics."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The history was written row by row, years at a time; a real one is appended as it
        # happens, so its recent records lie together. Put it in that order.
        history_table = Progress.history.model._meta.db_table
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [history_table, "%(history_date)"],
        )
        table, index = (
            connection.ops.quote_name(name) for name in [history_table, *cursor.fetchone()]
        )
        # The foreign keys are checked first: CLUSTER refuses a table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Both names come from the catalog and are quoted; neither is user input.
        cursor.execute(f"CLUSTER {table} USING {index}")
        # Bulk inserts leave the planner's statistics behind; without them it picks nested
        # loops over millions of history rows until autovacuum catches up.
        cursor.execute("ANALYZE")


def scale_vacuum() -> None:
    """Clear old row versions and refresh the planner's statistics, as autovacuum does on a
    live server: after the generator (each progress row is written twice) and before the
    bench (its writes and those of earlier runs are rolled back, and leave versions behind
    too). A server running without autovacuum, as the one the bench was measured on, never
    clears them, and every read of those rows steps over them. Outside a transaction only."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


@transaction.atomic
def scale_create(
    *,
    strategy: Strategy,
    institutions: int,
    goals: int,
    actions: int,
    years: int,
    seed: int,
    tidy: bool = True,
) -> ScaleSummary:
    rng = random.Random(seed)  # noqa: S311 - measurement data, repeatable  # nosec B311
    now = timezone.now()
    actors = {actor.code: actor for actor in Actor.objects.all()}
    schools = max(1, round(institutions * 80 / 600))
    created = Institution.objects.bulk_create(
        Institution(
            name=f"Skala {'skole' if n < schools else 'dagtilbud'} {n + 1}",
            actor=actors["skole"] if n < schools else actors["dagtilbud"],
            area=AREAS[n % len(AREAS)],
            children_count=rng.randint(20, 700) if n < schools else rng.randint(15, 120),
        )
        for n in range(institutions)
    )
    goal_list = _grow_goals(strategy, goals)
    added_actions = _grow_actions(strategy, goal_list, actions)
    progress_sync(institution_ids=[institution.pk for institution in created])
    if added_actions:
        progress_sync(
            action_ids=Action.objects.filter(goal__domain__strategy=strategy).values_list(
                "pk", flat=True
            )
        )
    # Read in full first: a COPY holds the connection, so no cursor may be read during it.
    rows = list(
        Progress.objects.filter(
            institution__in=created, action__goal__domain__strategy=strategy
        ).values_list("pk", "action_id", "institution_id")
    )
    history_rows = _history(rows, years=years, rng=rng, now=now)

    start, end = strategy.plan_period()
    plans = ActionPlan.objects.bulk_create(
        ActionPlan(strategy=strategy, institution=institution, period_start=start, period_end=end)
        for institution in created
    )
    some_actions = list(
        Action.objects.filter(goal__domain__strategy=strategy).values_list("pk", flat=True)[:50]
    )
    items = ActionPlanItem.objects.bulk_create(
        ActionPlanItem(
            plan=plan,
            action_id=rng.choice(some_actions),
            budget=rng.randrange(0, 200_000, 500),
            funding=rng.choice(ActionPlanItem.Funding.values),
            recurrence=rng.choice(ActionPlanItem.Recurrence.values),
        )
        for plan in plans
        for _item in range(5)
    )
    if tidy:
        scale_tidy()
    tallies_recount()  # written in bulk, past the services
    # The history was written at past dates: its days are written again, from it.
    days_reopen(strategy)
    days_close(strategy)
    fragments.changed(*fragments.KINDS)
    return ScaleSummary(
        institutions=len(created),
        goals=Goal.objects.filter(domain__strategy=strategy).count(),
        actions=Action.objects.filter(goal__domain__strategy=strategy).count(),
        progress_rows=Progress.objects.filter(institution__in=created).count(),
        history_rows=history_rows,
        plan_items=len(items),
    )
