"""Handleplaner: the local plan a leader keeps, the municipal plan, the economic overview,
approval with amendments, and the central pool shared by number of children."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from actions.models import Action, ActionPlan, ActionPlanItem, PoolAllocation, PoolShare
from actions.selectors import (
    plan_budget_institutions,
    plan_budget_totals,
    plan_budgets,
    pool_shares_compute,
)
from actions.services import (
    plan_item_add,
    plan_item_delete,
    plan_item_save,
    pool_allocation_create,
)
from institutions.models import Institution, Membership
from tests.conftest import (
    count_queries,
    leader_renamed,
    make_institutions,
    make_person,
    visible_text,
)
from tests.factories import InstitutionFactory

FOCUS = "prioritere økonomi til investering i læringsteknologier."


def add(client, institution, **fields):
    url = reverse("local_plan", args=[institution.pk]) if institution else reverse("municipal_plan")
    data = {"funding": "institution", "recurrence": "one_off", "budget": "0"} | fields
    return client.post(url, data)


def page(client, institution=None):
    url = reverse("local_plan", args=[institution.pk]) if institution else reverse("municipal_plan")
    return visible_text(client.get(url).content)


def test_leader_picks_a_focus_action_and_adds_a_local_initiative(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    focus = Action.objects.get(text=FOCUS)
    client.force_login(leader_school_a)
    response = add(
        client, school, action=focus.pk, responsible="Lise", deadline="2025-06-30", budget="160.000"
    )
    assert response.status_code == 302
    add(
        client,
        school,
        text="Kodeklub i SFO'en",
        domain=focus.goal.domain_id,
        budget="12.500 kr.",
        funding="central",
        recurrence="recurring",
    )
    plan = ActionPlan.objects.get(institution=school)
    assert (plan.status, plan.period_start, plan.period_end) == (
        "draft",
        strategy.plan_period()[0],
        strategy.plan_period()[1],
    )
    assert sorted(plan.items.values_list("budget", flat=True)) == [12_500, 160_000]
    html = page(client, school)
    assert FOCUS in html and "Kodeklub i SFO'en" in html
    assert "160.000 kr." in html and "12.500 kr. pr. år" in html


def test_an_action_in_the_plan_leaves_the_forms_choice_and_returns_when_removed(
    client, strategy, institutions, leader_school_a
):
    """The empty form is kept between requests: adding or removing an item changes it."""
    school = institutions["school_a"]
    focus = Action.objects.get(text=FOCUS)
    client.force_login(leader_school_a)
    option = f'<option value="{focus.pk}"'
    url = reverse("local_plan", args=[school.pk])
    assert option in client.get(url).content.decode()
    assert add(client, school, action=focus.pk).status_code == 302
    assert option not in client.get(url).content.decode()
    item = ActionPlanItem.objects.get(plan__institution=school, action=focus)
    delete = reverse("local_plan_item_delete", args=[school.pk, item.pk])
    assert client.post(delete).status_code == 302
    assert option in client.get(url).content.decode()


def test_economic_overview_sums_by_domain_funding_and_year(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    strategy.period_start, strategy.period_end = dt.date(2023, 1, 1), dt.date(2026, 12, 31)
    strategy.save()
    focus = Action.objects.get(text=FOCUS)  # Læringsteknologi
    infrastructure = strategy.domains.get(name="Infrastruktur")
    client.force_login(leader_school_a)
    add(client, school, action=focus.pk, deadline="2024-03-01", budget="100.000")
    add(
        client,
        school,
        text="Licenser",
        domain=infrastructure.pk,
        budget="10.000",
        funding="central",
        recurrence="recurring",
    )
    add(client, school, text="Uden frist og domæne", budget="5.000")
    html = page(client, school)
    overview = html[html.index("Økonomisk overblik") : html.index("Planens punkter")]
    # 100.000 once + 10.000 in each of four years + 5.000 once.
    assert "Planen koster i alt 145.000 kr. over perioden." in overview
    for row in [
        "Læringsteknologi 100.000 kr.",
        "Infrastruktur 40.000 kr.",
        "Uden domæne 5.000 kr.",
        "Central pulje 40.000 kr.",
        "Institutionens eget budget 105.000 kr.",
        "2023 10.000 kr. 2024 110.000 kr. 2025 10.000 kr. 2026 10.000 kr. Uden frist 5.000 kr.",
    ]:
        assert row in overview


def test_approved_plan_records_later_changes_as_amendments(
    client, strategy, institutions, leader_school_a
):
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    add(client, school, text="Robotter til 3. klasse", budget="20.000")
    response = client.post(
        reverse("local_plan_approve", args=[school.pk]), {"approved_on": "2026-11-20"}
    )
    assert response.status_code == 302
    plan = ActionPlan.objects.get(institution=school)
    assert (plan.status, plan.approved_on, plan.approved_by) == (
        "approved",
        dt.date(2026, 11, 20),
        leader_school_a,
    )
    assert "Ingen ændringer endnu." in page(client, school)

    item = plan.items.get()
    colleague = make_person(
        "kollega@example.org", "Kim Kollega", a=(school, Membership.Role.RESOURCE_PERSON)
    )
    client.force_login(colleague)
    client.post(
        reverse("local_plan_item", args=[school.pk, item.pk]),
        {
            "text": "Robotter til 3. og 4. klasse",
            "budget": "35.000",
            "funding": "institution",
            "recurrence": "one_off",
        },
    )
    client.post(reverse("local_plan_item_delete", args=[school.pk, item.pk]))
    html = page(client, school)
    amendments = html[html.index("Ændringer efter godkendelse") :]
    assert "Godkendt 20. november 2026 af Lise Leder" in html
    assert "Ændret: Robotter til 3. og 4. klasse (35.000 kr.)" in amendments
    assert "Fjernet: Robotter til 3. og 4. klasse" in amendments
    assert amendments.count("Kim Kollega") == 2
    # The change before approval is not an amendment.
    assert "Tilføjet" not in amendments


def test_a_kept_plan_shows_its_approval_and_a_new_name_at_once(
    client, strategy, institutions, leader_school_a, consultant
):
    """The plan's body is kept between looks; approving it and renaming its approver are
    seen on the next."""
    school = institutions["school_a"]
    client.force_login(leader_school_a)
    add(client, school, text="Robotter til 3. klasse", budget="20.000")
    assert "Godkend planen" in page(client, school)
    approved = client.post(
        reverse("local_plan_approve", args=[school.pk]), {"approved_on": "2026-11-20"}
    )
    assert approved.status_code == 302
    html = page(client, school)
    assert "Godkendt 20. november 2026 af Lise Leder" in html
    assert "Godkend planen" not in html
    leader_renamed(leader_school_a, school, by=consultant)
    assert "Godkendt 20. november 2026 af Omdøbt Leder" in page(client, school)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Vælg en handling fra strategien eller beskriv et lokalt initiativ."),
        ({"text": "Tablets", "budget": "-5.000"}, "Denne værdi skal være større end eller lig 0."),
        ({"text": "Tablets", "budget": "mange penge"}, "Skriv beløbet i hele kroner"),
        ({"text": "Tablets", "deadline": "31-02-2026"}, "Indtast en gyldig dato."),
        ({"text": "Tablets", "funding": "lotto"}, "Marker en gyldig valgmulighed."),
        ({"text": "x" * 2_001}, "Denne værdi må højst have 2000 tegn (den har 2001)."),
        ({"text": "x" * 1_000_000}, "må højst have 2000 tegn (den har 1000000)"),
    ],
)
def test_bad_items_are_refused_in_danish_and_nothing_is_saved(
    client, strategy, institutions, leader_school_a, fields, message
):
    client.force_login(leader_school_a)
    response = add(client, institutions["school_a"], **fields)
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert not ActionPlanItem.objects.exists()


def test_an_action_of_another_actor_cannot_be_added(
    client, strategy, institutions, leader_school_a
):
    administration_only = Action.objects.filter(actors__code="forvaltning").exclude(
        actors__code="skole"
    )[0]
    client.force_login(leader_school_a)
    response = add(client, institutions["school_a"], action=administration_only.pk)
    assert response.status_code == 400
    assert not ActionPlanItem.objects.exists()


def test_leader_cannot_change_another_schools_plan_item(
    client, strategy, institutions, leader_school_a
):
    school_b = institutions["school_b"]
    item = plan_item_add(
        strategy=strategy,
        institution=school_b,
        item=ActionPlanItem(text="Skole B's eget", budget=1000),
        by=None,
    )
    client.force_login(leader_school_a)
    # Neither through B's address nor by putting B's item under A's.
    for pk in (school_b.pk, institutions["school_a"].pk):
        url = reverse("local_plan_item", args=[pk, item.pk])
        assert client.post(url, {"text": "Kapret", "budget": "0"}).status_code == 404
        assert client.get(url).status_code == 404
    item.refresh_from_db()
    assert item.text == "Skole B's eget"


def test_municipal_plan_offers_the_administrations_actions_and_consultants_edit_it(
    client, strategy, institutions, consultant, leader_school_a
):
    client.force_login(consultant)
    html = page(client)
    form = html[html.index("Føj til planen") :]
    assert "udarbejde en kommunal handleplan" in form  # a Forvaltning action
    assert FOCUS not in form  # Skole and Dagtilbud only
    assert add(client, None, text="Fælles læringsplatform", budget="250.000").status_code == 302
    client.force_login(leader_school_a)
    html = page(client)
    assert "Fælles læringsplatform" in html and "250.000 kr." in html
    assert "Føj til planen" not in html


def test_allocation_of_315000_kroner_is_exact_to_the_krone():
    shares = pool_shares_compute(amount=315_000, children={1: 23, 2: 41, 3: 58, 4: 77})
    assert sum(shares.values()) == 315_000
    # 315000 * n / 199 rounded down leaves one krone, which goes to the largest remainder (41).
    assert shares == {1: 36_407, 2: 64_900, 3: 91_809, 4: 121_884}


def test_consultant_previews_then_confirms_and_each_local_plan_shows_its_share(
    client, strategy, institutions, consultant, leader_school_a
):
    counts = {"school_a": 23, "school_b": 41, "daycare": 58}
    for key, children in counts.items():
        Institution.objects.filter(pk=institutions[key].pk).update(children_count=children)
    fourth = InstitutionFactory(
        name="Skole C", actor=institutions["school_a"].actor, children_count=77
    )
    InstitutionFactory(name="Lukket skole", actor=fourth.actor, children_count=500, is_active=False)
    actors = [institutions["school_a"].actor_id, institutions["daycare"].actor_id]
    form = {"title": "Udviklingspulje 2026", "amount": "315.000", "actors": actors}
    client.force_login(consultant)

    preview = client.post(reverse("pool_allocation"), form)
    html = visible_text(preview.content)
    assert preview.status_code == 200
    assert "121.884 kr." in html and "315.000 kr." in html
    assert "Lukket skole" not in html
    assert not PoolAllocation.objects.exists()

    fingerprint = preview.context["form"].data["preview"]
    response = client.post(
        reverse("pool_allocation"), form | {"preview": fingerprint, "confirm": 1}
    )
    assert response.status_code == 302
    allocation = PoolAllocation.objects.get()
    shares = dict(allocation.shares.values_list("institution__name", "amount"))
    assert shares == {
        "Skole A": 36_407,
        "Skole B": 64_900,
        "Dagtilbud A": 91_809,
        "Skole C": 121_884,
    }

    client.force_login(leader_school_a)
    add(client, institutions["school_a"], text="Robotter", budget="40.000", funding="central")
    html = page(client, institutions["school_a"])
    assert "Tildelt fra den centrale pulje 36.407 kr." in html
    assert "Planlagt med finansiering fra den centrale pulje 40.000 kr." in html
    assert "Mere end tildelt 3.593 kr." in html
    assert "Udviklingspulje 2026: 36.407 kr." in html


def test_confirming_a_preview_that_no_longer_holds_allocates_nothing(
    client, strategy, institutions, consultant
):
    Institution.objects.filter(actor__code="skole").update(children_count=50)
    form = {"title": "Pulje", "amount": "100.000", "actors": [institutions["school_a"].actor_id]}
    client.force_login(consultant)
    fingerprint = client.post(reverse("pool_allocation"), form).context["form"].data["preview"]
    Institution.objects.filter(pk=institutions["school_b"].pk).update(children_count=75)
    response = client.post(
        reverse("pool_allocation"), form | {"preview": fingerprint, "confirm": 1}
    )
    assert response.status_code == 200
    assert "Institutionerne har ændret sig" in visible_text(response.content)
    assert not PoolAllocation.objects.exists() and not PoolShare.objects.exists()


def test_side_by_side_budgets_sum_each_local_plan(client, strategy, institutions, committee_member):
    plan_item_add(
        strategy=strategy,
        institution=institutions["school_a"],
        item=ActionPlanItem(text="A", budget=30_000, funding="central"),
        by=None,
    )
    plan_item_add(
        strategy=strategy,
        institution=institutions["school_b"],
        item=ActionPlanItem(text="B", budget=7_000),
        by=None,
    )
    client.force_login(committee_member)
    html = visible_text(client.get(reverse("plan_budgets")).content)
    # Institution, plan, in all, central pool, own budget, allocated, not yet planned.
    assert "Skole A Skole Kladde 30.000 kr. 30.000 kr. 0 kr. 0 kr. -30.000 kr." in html
    assert "Skole B Skole Kladde 7.000 kr. 0 kr. 7.000 kr. 0 kr. 0 kr." in html
    assert "Dagtilbud A Dagtilbud Ingen endnu 0 kr." in html
    assert "I alt 37.000 kr. 30.000 kr. 7.000 kr. 0 kr." in html


def test_plan_query_count_is_the_same_with_10_and_100_items(
    client, strategy, institutions, leader_school_a, django_assert_max_num_queries
):
    school = institutions["school_a"]
    actions = list(Action.objects.filter(actors__code="skole"))
    for n in range(10):
        plan_item_add(
            strategy=strategy,
            institution=school,
            item=ActionPlanItem(action=actions[n], budget=1000 * n),
            by=leader_school_a,
        )
    client.force_login(leader_school_a)
    url = reverse("local_plan", args=[school.pk])
    few = count_queries(client, url)
    plan = ActionPlan.objects.get(institution=school)
    ActionPlanItem.objects.bulk_create(
        ActionPlanItem(plan=plan, text=f"Initiativ {n}", budget=n, recurrence="recurring")
        for n in range(90)
    )
    assert count_queries(client, url) == few
    # 9: the user (1), the leader's memberships with their institutions (1), which answer
    # whose plan it is, may-edit, may-make-a-PDF and the role in the header; the strategy (1),
    # the plan (1), its items (1), pool shares (1), domains (1), the form's actions and domains
    # (2). The session comes from the cache and is renewed at most once a minute.
    with django_assert_max_num_queries(9):
        client.get(url)


LOCAL_PLAN_LINK = re.compile(r'href="/min-institution/\d+/handleplan/"')


def test_side_by_side_budgets_page_fifty_institutions_and_total_them_all(
    client, strategy, actors, committee_member
):
    made = make_institutions(actors, schools=60, daycare=59, prefix="Budget ")
    for institution in made[1:]:
        plan_item_add(
            strategy=strategy,
            institution=institution,
            item=ActionPlanItem(text="Tablets", budget=1_000),
            by=None,
        )
    client.force_login(committee_member)
    first = client.get(reverse("plan_budgets"))
    assert len(LOCAL_PLAN_LINK.findall(first.content.decode())) == 50
    assert "I alt (alle institutioner) 119.000 kr." in visible_text(first.content)
    assert "Side 1 af 3" in visible_text(first.content)
    last = client.get(reverse("plan_budgets"), {"side": 3})
    assert len(LOCAL_PLAN_LINK.findall(last.content.decode())) == 19
    assert client.get(reverse("plan_budgets"), {"side": "x"}).status_code == 200


def test_the_databases_totals_equal_the_rows_summed(strategy, institutions):
    """The totals are summed in the database; the rows, item by item, in Python."""
    for name, budget, recurrence, funding in [
        ("school_a", 5_000, ActionPlanItem.Recurrence.RECURRING, "central"),
        ("school_a", 7_000, ActionPlanItem.Recurrence.ONE_OFF, "institution"),
        ("daycare", 3_000, ActionPlanItem.Recurrence.RECURRING, "institution"),
    ]:
        plan_item_add(
            strategy=strategy,
            institution=institutions[name],
            item=ActionPlanItem(
                text="Udstyr", budget=budget, recurrence=recurrence, funding=funding
            ),
            by=None,
        )
    rows = plan_budgets(strategy=strategy, institutions=plan_budget_institutions())
    summed = {key: sum(getattr(row, key) for row in rows) for key in ("total", "central", "own")}
    totals = plan_budget_totals(strategy=strategy)
    assert {key: totals[key] for key in summed} == summed
    assert summed["central"] > 5_000  # the recurring budget counts for every year


def test_the_kept_totals_follow_every_change_to_a_plan_or_the_pool(
    strategy, institutions, actors, consultant, django_assert_num_queries
):
    """The budgets page's totals are kept between requests; each change to an item or the
    pool, made through its service, is in the next page's totals."""
    before = plan_budget_totals(strategy=strategy)
    with django_assert_num_queries(0):
        assert plan_budget_totals(strategy=strategy) == before
    item = plan_item_add(
        strategy=strategy,
        institution=institutions["school_a"],
        item=ActionPlanItem(text="Udstyr", budget=4_000, funding="institution"),
        by=None,
    )
    assert plan_budget_totals(strategy=strategy)["own"] == before["own"] + 4_000
    item.budget = 6_000
    plan_item_save(item=item, by=None)
    assert plan_budget_totals(strategy=strategy)["own"] == before["own"] + 6_000
    plan_item_delete(item=item, by=None)
    assert plan_budget_totals(strategy=strategy) == before
    Institution.objects.filter(actor=actors["skole"]).update(children_count=20)
    pool_allocation_create(
        strategy=strategy,
        title="Pulje",
        amount=9_000,
        actor_ids=[actors["skole"].pk],
        by=consultant,
    )
    assert plan_budget_totals(strategy=strategy)["allocated"] == before["allocated"] + 9_000
