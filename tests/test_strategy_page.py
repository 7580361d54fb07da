"""The strategy page shows the whole strategy as a readable document."""

import pytest
from django.urls import reverse

from actions.models import Action, Progress
from administration.services import institution_save
from core import fragments
from institutions.models import User
from tests.conftest import count_queries, make_institutions, make_person, visible_text, with_totp
from tests.factories import rows_written


def test_anonymous_visitor_is_sent_to_login(client, strategy):
    response = client.get(reverse("strategy"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_page_shows_all_domains_and_every_action_in_the_seed_words(
    client, strategy, leader_school_a
):
    client.force_login(leader_school_a)
    response = client.get(reverse("strategy"))
    assert response.status_code == 200
    page = response.content.decode()
    for name in ["Infrastruktur", "Organisering", "Kompetencer", "Læringsteknologi", "Læremidler"]:
        assert f'-heading">{name}</h2>' in page
    actions = Action.objects.filter(goal__domain__strategy=strategy)
    assert actions.count() == 43
    for text in actions.values_list("text", flat=True):
        assert text in page
    assert "Skole og dagtilbud" in page
    assert "Konkret vil vi:" in page


def test_page_is_in_danish(client, strategy, leader_school_a):
    client.force_login(leader_school_a)
    response = client.get(reverse("strategy"))
    assert response["Content-Language"] == "da"
    assert "Gå til sidens indhold" in response.content.decode()
    assert "Leder, Skole A" in response.content.decode()


def test_progress_counts_leave_out_not_relevant_and_inactive(
    client, strategy, institutions, consultant
):
    action = Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")
    rows_written(
        Progress.objects.filter(action=action, institution=institutions["school_a"]),
        status=Progress.Status.DONE,
    )
    rows_written(
        Progress.objects.filter(action=action, institution=institutions["school_b"]),
        status=Progress.Status.NOT_RELEVANT,
        reason="Dækket af nabo-skolen",
    )
    client.force_login(consultant)
    page = client.get(reverse("strategy")).content.decode()
    # Three rows: one done, one not relevant (out of the denominator), one not started.
    assert "1 af 2 institutioner udført" in page

    institutions["daycare"].is_active = False
    institution_save(institution=institutions["daycare"])
    page = client.get(reverse("strategy")).content.decode()
    assert "1 af 1 institution udført" in page


def test_text_is_shown_literally_never_as_html(client, strategy, institutions, consultant):
    Action.objects.filter(text="indgå databehandleraftaler ved behov.").update(
        text='<script>alert("x")</script> <img src=x onerror=alert(1)>'
    )
    client.force_login(consultant)
    page = client.get(reverse("strategy")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_unknown_strategy_answers_404(client, strategy, consultant):
    client.force_login(consultant)
    assert client.get(reverse("strategy_version", args=[strategy.pk + 1000])).status_code == 404


def test_without_a_strategy_the_page_says_so(client, consultant):
    client.force_login(consultant)
    response = client.get(reverse("strategy"))
    assert response.status_code == 404
    assert "Der er endnu ikke vedtaget en strategi" in response.content.decode()


def test_query_count_does_not_grow_with_institutions(client, strategy, actors, consultant):
    client.force_login(consultant)
    url = reverse("strategy")
    make_institutions(actors, schools=2, daycare=3, prefix="Lille ")
    few = count_queries(client, url)
    make_institutions(actors, schools=40, daycare=60, prefix="Stor ")
    many = count_queries(client, url)
    assert few == many


@pytest.mark.django_db
def test_query_count_is_pinned(
    client, strategy, institutions, consultant, django_assert_max_num_queries
):
    client.force_login(consultant)
    # After a change, 13: the user (1), the strategy with its draft (1), whether the consultant
    # has two-factor authentication to edit (1), the strategy document (8) and its counts and
    # domains (2). The session comes from the cache and is renewed at most once a minute, so
    # this request writes nothing.
    fragments.changed(*fragments.KINDS)
    with django_assert_max_num_queries(16):
        client.get(reverse("strategy"))


def test_query_count_is_the_same_with_5_and_50_actions_per_domain(
    client, strategy, institutions, consultant
):
    from actions.models import Action
    from institutions.models import Actor

    client.force_login(consultant)

    def fill_to(per_domain):
        school = Actor.objects.get(code="skole")
        for domain in strategy.domains.all():
            goal = domain.goals.first()
            missing = per_domain - Action.objects.filter(goal__domain=domain).count()
            for n in range(max(missing, 0)):
                action = Action.objects.create(goal=goal, text=f"Ekstra handling {n}", order=99)
                action.actors.add(school)

    fill_to(5)
    few = count_queries(client, reverse("strategy"))
    fill_to(50)
    assert count_queries(client, reverse("strategy")) == few


def test_not_found_page_is_danish(client, consultant):
    client.force_login(consultant)
    response = client.get("/findes-ikke/")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.content.decode()


def test_load_strategy_refuses_a_broken_document(tmp_path, actors):
    from django.core.management import CommandError, call_command

    from goals.models import Strategy

    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "Halv", "municipality_name": "X", "domains": [{"name": "D"}]}')
    with pytest.raises(CommandError, match="is not a strategy document"):
        call_command("load_strategy", broken)
    assert not Strategy.objects.exists()


def test_a_consultant_without_two_factor_is_told_why_there_is_no_edit_button(client, strategy):
    newcomer = make_person("ny@example.org", "Nina Ny", User.Role.CONSULTANT)
    client.force_login(newcomer)
    page = visible_text(client.get(reverse("strategy")).content)
    assert "Du kan redigere strategien, når du har slået totrinsbekræftelse til." in page
    assert "Redigér" not in page
    client.force_login(with_totp(newcomer))
    page = visible_text(client.get(reverse("strategy")).content)
    assert "slået totrinsbekræftelse til" not in page
    assert "Redigér" in page


def test_the_headings_are_the_strategys_own_words_or_plain_ones(client, strategy, leader_school_a):
    client.force_login(leader_school_a)
    page = visible_text(client.get(reverse("strategy")).content)
    # Mariagerfjord's words, from its document.
    assert "De fire pejlemærker" in page and page.count("Konkret vil vi:") == 5
    strategy.principles_heading = strategy.actions_heading = ""
    strategy.save()
    fragments.changed(fragments.STRATEGY)
    page = visible_text(client.get(reverse("strategy")).content)
    # Without its own words a strategy gets plain headings, never another municipality's.
    assert "fire pejlemærker" not in page and "Konkret vil vi" not in page
    assert "Pejlemærker" in page and page.count("Handlinger") >= 5
