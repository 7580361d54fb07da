"""Who may open and change which version of the strategy (DESIGN.md §4)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from institutions.models import User
from institutions.permissions import is_consultant, may_read_everything, needs_mfa_setup

from .models import Strategy
from .selectors import with_draft


def may_edit_strategy(request) -> bool:
    """Consultants edit the strategy, once they have two-factor authentication."""
    return is_consultant(request.user) and not needs_mfa_setup(request)


def strategies_visible(user: User) -> QuerySet:
    """The versions of the strategy a person may open: drafts only for consultants and the
    committee; the adopted and archived versions for everyone signed in."""
    strategies = with_draft(Strategy.objects.select_related("previous"))
    if not may_read_everything(user):
        strategies = strategies.exclude(status=Strategy.Status.DRAFT)
    return strategies


def strategy_readable(user: User, pk: int) -> Strategy:
    """A version of the strategy the person may open; anyone else gets 404."""
    return get_object_or_404(strategies_visible(user), pk=pk)


def strategy_writable(strategy) -> None:
    """An archived version is kept as it was adopted: every change to it is refused."""
    if strategy.is_archived:
        raise PermissionDenied(_("This version is archived and can no longer be changed."))
