"""What a consultant's administration pages read, where it reaches past the institutions
themselves."""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from goals.models import Goal
from goals.selectors import strategy_current
from institutions.models import Actor, Institution, Membership, Municipality

DONE = "done"
SKIPPED = "skipped"
# The steps of "Kom i gang", in order. A step is done when its data is there or when a
# consultant has marked it done; any step can be skipped and opened again.
GETTING_STARTED = ("municipality", "actors", "strategy", "institutions", "people")


@dataclass
class Step:
    key: str
    title: str
    text: str
    done: bool
    skipped: bool
    missing: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    # Offered when the data cannot say that the step is done (the kinds as they came).
    may_mark_done: bool = False

    @property
    def open(self) -> bool:
        return not (self.done or self.skipped)


def getting_started_steps(*, municipality: Municipality) -> list[Step]:
    """Each step of "Kom i gang" with what is still missing. Five queries."""
    marked = municipality.getting_started
    strategy = strategy_current()
    goals = Goal.objects.filter(domain__strategy=strategy).count() if strategy else 0
    kinds = ", ".join(Actor.objects.local().values_list("name", flat=True))
    institutions = Institution.objects.local().count()
    people = Membership.objects.count()
    import_url = reverse("spreadsheet_import")

    steps = [
        Step(
            key="municipality",
            title=_("The municipality's name"),
            text=_("Shown at the top of every page, in e-mails and on the reports."),
            done=municipality.is_named,
            skipped=False,
            missing=_("The name is not saved yet."),
        ),
        Step(
            key="actors",
            title=_("Kinds of institution"),
            text=_(
                "The kinds your strategy names, e.g. Skole, Dagtilbud, Dagpleje or SFO. "
                "Now: %(kinds)s."
            )
            % {"kinds": kinds or _("none")},
            done=marked.get("actors") == DONE,
            skipped=False,
            missing=_("Check that the kinds are the ones your strategy uses."),
            links=[(_("Add or rename kinds"), reverse("actor_list"))],
            may_mark_done=True,
        ),
        Step(
            key="strategy",
            title=_("The strategy"),
            text=_(
                "Create the strategy with its title and period, then add its domains, goals and "
                "actions on the strategy page or import them from a spreadsheet."
            ),
            done=goals > 0,
            skipped=False,
            missing=_("There is no strategy yet.")
            if strategy is None
            else _("The strategy has no goals yet."),
            links=[
                (_("Create or edit the strategy"), reverse("strategy")),
                (_("Import the whole strategy from a workbook"), f"{import_url}#workbook-heading"),
                (_("Import from a spreadsheet"), f"{import_url}?kind=strategi"),
            ],
        ),
        Step(
            key="institutions",
            title=_("Institutions"),
            text=_("Each school, daycare unit or other institution that carries out the strategy."),
            done=institutions > 0,
            skipped=False,
            missing=_("There are no institutions yet."),
            links=[
                (_("Add an institution"), reverse("institution_create")),
                (_("Import from a spreadsheet"), f"{import_url}?kind=institutioner"),
            ],
        ),
        Step(
            key="people",
            title=_("People"),
            text=_(
                "Leaders and resource persons tick off their institution's actions; each is "
                "invited by e-mail and chooses a password."
            ),
            done=people > 0,
            skipped=False,
            missing=_("Nobody belongs to an institution yet."),
            links=[(_("Invite a person"), reverse("person_create"))],
        ),
    ]
    for step in steps:
        step.skipped = not step.done and marked.get(step.key) == SKIPPED
    return steps
