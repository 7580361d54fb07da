"""A strategy's own words: what it calls its domains ("områder") is what its pages, PDFs and
Word copies say, and nothing of Mariagerfjord's shape is left in them."""

import io

import docx
import pytest
from django.urls import reverse

from actions.models import Action, ActionPlanItem
from actions.services import plan_item_add
from goals.forms import StrategyForm
from institutions.models import Institution
from tests.conftest import make_person, visible_text, with_totp
from tests.test_report_documents import page_texts, render

NOT_OURS = ("omæne", "Mariagerfjord", "Skole", "Forvaltning", "pejlemærke")


@pytest.fixture
def leader(other_strategy):
    unit = Institution.objects.get(name="Dagplejen Nord")
    person = make_person("leder@viborg.dk", "Dorte Dagplejeleder", nord=(unit, "leader"))
    plan_item_add(
        strategy=other_strategy,
        institution=unit,
        item=ActionPlanItem(
            action=Action.objects.get(text__startswith="Alle dagplejere"), budget=160_000
        ),
        by=person,
    )
    return person


def assert_own_words(text: str) -> None:
    for word in NOT_OURS:
        assert word not in text, word


def test_the_dashboard_and_strategy_page_say_områder(client, other_strategy, committee_member):
    client.force_login(committee_member)
    dashboard = visible_text(client.get(reverse("dashboard")).content)
    assert "Områder og aktører" in dashboard
    assert "Udførte handlinger pr. område og aktør" in dashboard
    assert "Alle områder" in dashboard
    assert "Dagpleje" in dashboard
    assert_own_words(dashboard)
    page = visible_text(client.get(reverse("strategy")).content)
    assert "Konkrete handlinger og projekter" in page and "Forældresamarbejde" in page
    assert_own_words(page)

    client.force_login(with_totp(make_person("k@viborg.dk", "Kim Konsulent", "consultant")))
    page = visible_text(client.get(reverse("strategy")).content)
    assert "Tilføj område" in page and "Slet Pædagogik" in page
    domain = other_strategy.domains.get(name="Pædagogik")
    for url in (
        reverse("item_edit", args=["domaene", domain.pk]),
        reverse("item_create", args=["domaene", other_strategy.pk]),
        reverse("item_delete", args=["domaene", domain.pk]),
        reverse("item_history", args=["domaene", domain.pk]),
    ):
        title = visible_text(client.get(url).content)
        assert "område" in title and "domæne" not in title, url


def test_a_handleplan_says_områder_on_the_page_in_the_pdf_and_in_word(
    client, other_strategy, leader
):
    client.force_login(leader)
    unit = Institution.objects.get(name="Dagplejen Nord")
    page = visible_text(client.get(reverse("local_plan", args=[unit.pk])).content)
    assert "Fordelt på områder" in page
    assert "Område --------- Pædagogik" in page  # the form's field for a local initiative
    content, word, _html = render("action_plan", other_strategy, institution=unit)
    text = " ".join(page_texts(content))
    assert "Fordelt på områder" in text and "160.000 kr." in text
    assert_own_words(text)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word)).paragraphs]
    assert_own_words(" ".join(paragraphs))


@pytest.mark.parametrize(
    "kind, parameters",
    [("status", {"since": "2026-01-01"}), ("revision", {"recommendations": "Fortsæt."})],
)
def test_the_committees_reports_say_områder(other_strategy, leader, kind, parameters):
    content, word, _html = render(kind, other_strategy, **parameters)
    text = " ".join(page_texts(content))
    expected = {
        "status": ["Områder og aktører", "Udførte handlinger pr. område og aktør"],
        "revision": ["Budget pr. område", "i alt og pr. område"],
    }[kind]
    for words in expected:
        assert words in text
    assert "Pædagogik" in text and "Forældresamarbejde" in text
    assert_own_words(text)
    if word:
        document = docx.Document(io.BytesIO(word))
        words = " ".join(p.text for p in document.paragraphs)
        words += " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert_own_words(words)


def test_the_word_is_asked_for_in_both_numbers(other_strategy):
    fields = {
        name: value
        for name, value in StrategyForm(instance=other_strategy).initial.items()
        if value is not None
    } | {"version": other_strategy.version}
    form = StrategyForm(
        {**fields, "domain_word": "Indsatsområde", "domains_word": ""}, instance=other_strategy
    )
    assert not form.is_valid()
    assert form.errors["domains_word"] == ["Skriv ordet både i ental og i flertal."]
    form = StrategyForm(
        {**fields, "domain_word": "Indsatsområde", "domains_word": "Indsatsområder"},
        instance=other_strategy,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["domain_word"] == "indsatsområde"


def test_a_strategy_that_does_not_say_keeps_domæne(client, strategy, consultant):
    assert (strategy.domain_noun, strategy.domains_noun) == ("domæne", "domæner")
    client.force_login(consultant)
    assert "Domæner og aktører" in visible_text(client.get(reverse("dashboard")).content)
