"""Every page that lists things runs the same number of queries however much there is to list;
each is pinned here (the dashboard, strategy, "Min institution", handleplan and timeline pages
are pinned in their own modules)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Action, ActionPlanItem
from actions.services import plan_item_add, pool_allocation_create
from core import fragments
from institutions.models import Institution
from reports.models import Report
from tests.conftest import make_institutions

FOCUS = "prioritere økonomi til investering i læringsteknologier."

# (url name, who looks, the most queries it may run)
PAGES = [
    ("plan_budgets", "committee_member", 10),
    ("municipal_plan", "leader_school_a", 11),
    ("pool_allocation", "consultant", 10),
    ("report_list", "committee_member", 6),
    ("dashboard_domain", "committee_member", 10),
    ("item_edit", "consultant", 14),
    ("item_history", "consultant", 11),
    ("spreadsheet_import", "consultant", 8),
    ("actor_list", "consultant", 8),
    ("institution_list", "consultant", 8),
    ("getting_started", "consultant", 7),
    ("sign_in_settings", "consultant", 4),
    ("institution_choices", "consultant", 3),
    ("strategy_models", "consultant", 6),
    ("comparison", "committee_member", 5),
]


def grow(strategy, actors, consultant, action, size):
    """More institutions, plans, allocations, reports and edits to show."""
    institutions = make_institutions(actors, schools=size, daycare=size, prefix=f"Vækst {size} ")
    Institution.objects.filter(pk__in=[i.pk for i in institutions]).update(children_count=50)
    for institution in institutions[1:]:
        plan_item_add(
            strategy=strategy,
            institution=institution,
            item=ActionPlanItem(text="Initiativ", budget=1000),
            by=consultant,
        )
    pool_allocation_create(
        strategy=strategy,
        title=f"Pulje {size}",
        amount=10_000,
        actor_ids=[actors["skole"].pk],
        by=consultant,
    )
    Report.objects.bulk_create(
        Report(kind="status", strategy=strategy, requested_by=consultant) for _n in range(size)
    )
    for n in range(size):
        action.text = f"{FOCUS} ({n})"
        action._history_user = consultant
        action.save()


def url_of(name, action):
    if name == "dashboard_domain":
        return reverse(name, args=[action.goal.domain_id])
    if name in ("item_edit", "item_history"):
        return reverse(name, args=["handling", action.pk])
    if name == "institution_choices":
        # A search with fewer than 25 matches at both sizes; more than 25 adds one count.
        return reverse(name) + "?felt=institutions&institution_search=Forvaltningen"
    return reverse(name)


@pytest.mark.parametrize(("name", "persona", "most"), PAGES)
def test_page_runs_the_same_queries_however_much_there_is(
    request, client, strategy, actors, institutions, consultant, name, persona, most
):
    client.force_login(request.getfixturevalue(persona))
    action = Action.objects.get(text=FOCUS)

    def count():
        fragments.changed(*fragments.KINDS)  # each as the first request after a change
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url_of(name, action)).status_code == 200
        return len(queries)

    grow(strategy, actors, consultant, action, 2)
    count()  # the first request fills per-process caches
    few = count()
    grow(strategy, actors, consultant, action, 20)
    assert count() == few
    assert few <= most
