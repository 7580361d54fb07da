"""The shipped strategy is Mariagerfjord Kommune's, word for word."""

from collections import Counter

import pytest

from actions.models import Action, Progress
from goals.models import Domain, Goal

# Top-level actions per domain and actor, counted from the printed strategy.
EXPECTED_ACTIONS = {
    "Infrastruktur": {"Forvaltning": 5, "Skole": 3, "Dagtilbud": 3},
    "Organisering": {"Forvaltning": 2, "Skole": 4, "Dagtilbud": 3},
    "Kompetencer": {"Forvaltning": 5, "Skole": 3, "Dagtilbud": 3},
    "Læringsteknologi": {"Forvaltning": 4, "Skole": 3, "Dagtilbud": 3},
    "Læremidler": {"Forvaltning": 3, "Skole": 2, "Dagtilbud": 2},
}
EXPECTED_SUB_ITEMS = {"Kompetencer": 3, "Læremidler": 3}


def test_strategy_has_the_five_domains_in_order(strategy):
    assert list(strategy.domains.values_list("name", flat=True)) == list(EXPECTED_ACTIONS)


def test_there_are_37_actions_and_6_sub_items(strategy):
    actions = Action.objects.filter(goal__domain__strategy=strategy)
    assert actions.filter(parent__isnull=True).count() == 37
    assert actions.filter(parent__isnull=False).count() == 6


def test_action_counts_per_domain_and_actor(strategy):
    counted = Counter(
        Action.objects.filter(goal__domain__strategy=strategy, parent__isnull=True).values_list(
            "goal__domain__name", "actors__name"
        )
    )
    assert {
        (domain, actor): count
        for domain, actors in EXPECTED_ACTIONS.items()
        for actor, count in actors.items()
    } == dict(counted)


def test_sub_items_belong_to_their_parent_and_its_actors(strategy):
    sub_items = Action.objects.filter(goal__domain__strategy=strategy, parent__isnull=False)
    assert dict(Counter(sub_items.values_list("goal__domain__name", flat=True))) == (
        EXPECTED_SUB_ITEMS
    )
    for sub_item in sub_items:
        assert list(sub_item.actors.all()) == list(sub_item.parent.actors.all())
        assert sub_item.goal_id == sub_item.parent.goal_id
    parent = Action.objects.get(text="planlægge og arrangere kompetenceløft:")
    assert list(parent.children.values_list("text", flat=True)) == [
        "af ressourcepersoner på dagtilbuds- og skoleområdet bygget op omkring "
        "aktionslæringsforløb",
        "med fokus på læreplanstemaer og fag bygget op omkring aktionslæringsforløb.",
        "med fokus på kommunens indkøbte læringsteknologier.",
    ]


@pytest.mark.parametrize(
    ("domain", "actor_names", "text"),
    [
        (
            "Infrastruktur",
            ["Forvaltning"],
            "samarbejde med it-afdelingen og den decentrale support og sikre en kendt procedure "
            "for support (Service Level Agreement).",
        ),
        (
            "Infrastruktur",
            ["Skole", "Dagtilbud"],
            "sikre tid og rammer for en eller flere ressourceperson/-er, der understøtter den "
            "lokale support og sikrer tilbageløb til forvaltningen og it-afdelingen omkring "
            "udfordringer med infrastrukturen.",
        ),
        ("Organisering", ["Skole"], "sikre tid og rammer til ressourcepersoner"),
        ("Organisering", ["Dagtilbud"], "sikre tid og rammer til ressourcepersoner."),
        (
            "Læringsteknologi",
            ["Skole", "Dagtilbud"],
            "prioritere økonomi til udskiftning af personlige og dele-enheder til personale og "
            "børn.",
        ),
        ("Læremidler", ["Forvaltning"], "indgå databehandleraftaler ved behov."),
    ],
)
def test_sample_actions_have_the_seed_text_and_actors(strategy, domain, actor_names, text):
    action = Action.objects.get(
        goal__domain__strategy=strategy, goal__domain__name=domain, text=text
    )
    assert [actor.name for actor in action.actors.order_by("order")] == actor_names


def test_hyphenated_words_are_joined(strategy):
    texts = " ".join(
        [
            *Goal.objects.values_list("text", flat=True),
            *Action.objects.values_list("text", flat=True),
        ]
    )
    assert "webbaserede løsninger" in texts
    assert "Google Workspace for Education" in texts
    for broken in ["sup- port", "res- sourcepersoner", "web- basering", "Edu- cation"]:
        assert broken not in texts


def test_purpose_aims_and_principles(strategy):
    assert (
        strategy.vision == "Sammen skaber vi de bedste betingelser for det gode børne- og ungeliv"
    )
    aims = list(strategy.aims.values_list("text", flat=True))
    assert len(aims) == 4
    assert aims[2].startswith("At voksne tager ansvar.")
    assert list(strategy.principles.values_list("text", flat=True)) == [
        "Den digitale modenhed blandt ledere og medarbejdere skal højnes.",
        "Digitale løsninger skal være let tilgængelige og tilpasset borgeren.",
        "Digitalisering skal skabe effektiviseringer.",
        "Bedre udnyttelse af infrastruktur, data og nye teknologier.",
    ]
    assert strategy.approved_by == "Børne- og familieudvalget"
    assert strategy.revision_interval_years == 4
    assert "revideres hvert 4. år" in strategy.follow_up


def test_every_domain_has_an_introduction_and_goals(strategy):
    for domain in Domain.objects.filter(strategy=strategy):
        assert domain.introduction
        assert domain.goals.exists()


def test_each_action_gets_a_progress_row_per_institution_of_its_actors(strategy, institutions):
    # 1 administration, 2 schools, 1 daycare: Forvaltning actions get 1 row, "Skole og
    # dagtilbud" actions get 3, school-only actions 2, daycare-only actions 1.
    action = Action.objects.get(text__startswith="sikre, at anvendelsesstrategien")
    assert action.progress.count() == 3
    forvaltning_rows = Progress.objects.filter(institution=institutions["administration"]).count()
    assert forvaltning_rows == Action.objects.filter(actors__code="forvaltning").count() == 25
