"""What consultants can edit on the strategy page: one entry per kind of item, naming its
model, form, container and the texts compared on a conflict or in its history."""

from dataclasses import dataclass

from django.db import models
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from goals.forms import AimForm, DomainForm, GoalForm, IndicatorForm, PrincipleForm, StrategyForm
from goals.models import Aim, Domain, Goal, Indicator, Principle, Strategy

from .forms import ActionForm
from .models import Action, strategy_of


@dataclass(frozen=True)
class Editable:
    slug: str
    model: type[models.Model]
    form: type
    label: str
    parent: str | None  # the field naming the container it is created in
    siblings: tuple[str, ...]  # the fields that group it with the items it is ordered among
    texts: tuple[str, ...]  # shown side by side on a conflict, diffed word by word in history
    anchor: str  # where it is on the strategy page

    def strategy_of(self, instance) -> Strategy:
        return strategy_of(instance)

    def label_for(self, instance) -> str:
        """What the pages call the item: a domain in its strategy's own word ("område")."""
        if self.model is Domain:
            return self.strategy_of(instance).domain_noun
        return str(self.label)

    def form_for(self, *, strategy: Strategy, instance, data=None):
        # Ids unique to the item, as its form may sit in the strategy page among others.
        options = {"instance": instance, "auto_id": f"{self.slug}-{instance.pk or 'ny'}-%s"}
        if self.form in (GoalForm, ActionForm):
            options["strategy"] = strategy
        return self.form(data, **options)

    def container_of(self, instance) -> str | None:
        """The id of the list on the strategy page that the item moves within, if it moves."""
        if not self.siblings:
            return None
        if isinstance(instance, Goal):
            return f"domain-{instance.domain_id}"
        if isinstance(instance, Action):
            return f"domain-{instance.goal.domain_id}"
        return {Aim: "aims", Principle: "principles", Domain: "domains"}[type(instance)]

    def page_url(self, instance) -> str:
        """The strategy page at the item."""
        strategy = self.strategy_of(instance)
        return reverse("strategy_version", args=[strategy.pk]) + f"#{self.anchor}-{instance.pk}"


KINDS = {
    kind.slug: kind
    for kind in [
        Editable(
            "strategi",
            Strategy,
            StrategyForm,
            _("strategy"),
            None,
            (),
            ("title", "purpose", "vision"),
            "strategy",
        ),
        Editable("formaal", Aim, AimForm, _("aim"), "strategy", ("strategy",), ("text",), "aim"),
        Editable(
            "pejlemaerke",
            Principle,
            PrincipleForm,
            _("guiding principle"),
            "strategy",
            ("strategy",),
            ("text",),
            "principle",
        ),
        Editable(
            "domaene",
            Domain,
            DomainForm,
            _("domain"),
            "strategy",
            ("strategy",),
            ("name", "introduction"),
            "domain",
        ),
        Editable("maal", Goal, GoalForm, _("goal"), "domain", ("domain",), ("text",), "goal"),
        Editable(
            "handling",
            Action,
            ActionForm,
            _("action"),
            "goal",
            ("goal", "parent"),
            ("text", "responsible", "deadline_label"),
            "action",
        ),
        Editable(
            "indikator",
            Indicator,
            IndicatorForm,
            _("indicator"),
            "goal",
            (),
            ("name", "unit"),
            "goal",
        ),
    ]
}
CONTAINERS = {"strategy": Strategy, "domain": Domain, "goal": Goal}


def editable(slug: str) -> Editable:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404 from None
