from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from strategy_tracker.permissions import landing_page

from .models import Strategy
from .selectors import strategy_current, strategy_document


@require_GET
def strategy_detail(request, pk=None):
    """The whole strategy as a readable document, with each action's progress."""
    strategy = strategy_current() if pk is None else get_object_or_404(Strategy, pk=pk)
    if strategy is None:
        return render(request, "goals/no_strategy.html", status=404)
    sections = strategy_document(strategy=strategy)
    return render(
        request,
        "goals/strategy_detail.html",
        {
            "strategy": strategy,
            "aims": strategy.aims.all(),
            "principles": strategy.principles.all(),
            "sections": sections,
            "done": sum(section.done for section in sections),
            "counted": sum(section.counted for section in sections),
        },
    )


@require_GET
def home(request):
    """Each role's starting point: the committee's dashboard, a leader's institution."""
    return redirect(landing_page(request.user))
