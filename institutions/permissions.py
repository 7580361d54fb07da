"""Who may do what: the roles and the institutions people act for. Every view asks here or in
the permissions module of the app whose data it guards (goals: strategy versions, reports:
reports); no view decides access on its own.

Roles (DESIGN.md §4): anonymous people are sent to sign-in by LoginRequiredMiddleware; committee
members read; leaders and resource persons act for their own institutions; consultants and
superusers edit everything, once they have two-factor authentication.
"""

from collections.abc import Callable
from functools import wraps

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from .audit import security_event_record
from .models import Institution, SecurityEvent, User
from .selectors import memberships_of
from .sign_in import UNILOGIN

# A view function: what the decorators here wrap and return.
View = Callable[..., HttpResponse]


def is_consultant(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role == User.Role.CONSULTANT)


def signed_in_with_sso(request) -> bool:
    """Opened through a sign-in that carries a second factor: the municipality's own, or
    Context Handler's (at least "substantial"). Unilogin may be one factor only, so not it."""
    return any(
        record.get("method") == "socialaccount" and record.get("provider") != UNILOGIN
        for record in get_authentication_records(request, request.user)
    )


def needs_mfa_setup(request) -> bool:
    """Consultants and superusers must have two-factor authentication before they edit,
    unless this session was opened through the municipality's single sign-on."""
    user = request.user
    return is_consultant(user) and not signed_in_with_sso(request) and not is_mfa_enabled(user)


# Where a person was going when sent to set up two-factor authentication (a path of ours).
AFTER_TWO_FACTOR = "after_two_factor"


def mfa_setup_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Send a consultant without two-factor authentication to set it up first; once it is on,
    the set-up pages offer the way back to the page they asked for."""
    messages.warning(
        request,
        _("Set up two-factor authentication before you edit, make reports or see people's data."),
    )
    if request.method == "GET":
        request.session[AFTER_TWO_FACTOR] = request.get_full_path()
    return redirect("mfa_activate_totp")


def two_factor_for_consultants(view: View) -> View:
    """Consultants and superusers read everyone's reports and data exports, so they reach these
    pages only with two-factor authentication; other people go on to the view's own checks."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if needs_mfa_setup(request):
            return mfa_setup_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


def consultant_required(view: View) -> View:
    """Let consultants (with two-factor authentication) through; refuse everyone else."""
    with_two_factor = two_factor_for_consultants(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_consultant(request.user):
            security_event_record(kind=SecurityEvent.Kind.PERMISSION_DENIED, request=request)
            raise PermissionDenied(_("Only consultants may do this."))
        return with_two_factor(request, *args, **kwargs)

    return wrapper


def may_read_everything(user: User) -> bool:
    return is_consultant(user) or (user.is_active and user.role == User.Role.COMMITTEE)


def read_everything_required(message: str) -> Callable[[View], View]:
    """Let consultants and the committee through; refuse everyone else with `message`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not may_read_everything(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def institution_readable(user: User, pk: int) -> Institution:
    """An institution's page: consultants and the committee see every institution, staff
    their own; anyone else gets 404, so existence does not leak."""
    if may_read_everything(user):
        return get_object_or_404(Institution, pk=pk)
    return institution_for(user, pk)


def may_edit_progress(request, institution: Institution) -> bool:
    """Members tick their own institution's actions; consultants may on anyone's behalf,
    once they have two-factor authentication."""
    user = request.user
    if is_consultant(user):
        return not needs_mfa_setup(request)
    return user.is_active and is_member(user, institution.pk)


def is_member(user: User, institution_pk: int) -> bool:
    return any(membership.institution_id == institution_pk for membership in memberships_of(user))


def institutions_for(user: User) -> QuerySet[Institution]:
    """The institutions a person acts for: all for consultants, their own for staff."""
    if is_consultant(user):
        return Institution.objects.all()
    return Institution.objects.filter(memberships__user=user)


def own_memberships(user: User) -> list:
    """The person's own institutions, as their pages list them: none for consultants, who act
    for every institution."""
    return [] if is_consultant(user) else memberships_of(user)


def institution_for(user: User, pk: int) -> Institution:
    """The institution if the person acts for it; otherwise 404, so existence does not leak."""
    if is_consultant(user):
        institution = Institution.objects.filter(pk=pk).first()
    else:
        institution = next(
            (m.institution for m in memberships_of(user) if m.institution_id == pk), None
        )
    if institution is None:
        security_event_record(
            kind=SecurityEvent.Kind.PERMISSION_DENIED, actor=user, detail={"institution": pk}
        )
        raise Http404
    return institution


def plan_owner(request, pk: int | None) -> tuple[Institution | None, bool]:
    """Whose handleplan this is (None for the municipal plan) and whether the person may edit
    it: members and consultants edit a local plan, only consultants the municipal plan.
    Everyone signed in reads the municipal plan; a local plan answers like its institution."""
    if pk is None:
        user = request.user
        return None, is_consultant(user) and not needs_mfa_setup(request)
    institution = institution_readable(request.user, pk)
    return institution, may_edit_progress(request, institution)


def may_request_plan_pdf(user: User, institution: Institution | None) -> bool:
    """A handleplan as PDF: a local plan for its institution's members and consultants; the
    municipal plan (no institution) for consultants."""
    if is_consultant(user):
        return True
    return institution is not None and user.is_active and is_member(user, institution.pk)


def may_see_all_plans(user: User) -> bool:
    """Every institution's budget side by side: consultants and the committee."""
    return may_read_everything(user)


def landing_page(user: User) -> str:
    """Where a person starts: the committee on the dashboard, leaders and resource persons
    on their institution, consultants on the strategy they edit."""
    if is_consultant(user):
        return "strategy"
    if user.role == User.Role.COMMITTEE:
        return "dashboard"
    if memberships_of(user):
        return "my_institution"
    return "strategy"


def operator_required(view: View) -> View:
    """The platform's pages (on PLATFORM_HOST) are for its signed-in operators; anyone else
    is sent to the platform's sign-in."""

    @wraps(view)
    @login_not_required
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_operator):
            return redirect("platform_sign_in")
        return view(request, *args, **kwargs)

    return wrapper
