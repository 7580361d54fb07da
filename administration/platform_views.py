"""The platform's own pages, on PLATFORM_HOST (strategy_tracker.platform_urls): operators
sign in, see how the municipalities are doing and add one. No municipality's content."""

from allauth.core import ratelimit
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from institutions.backends import OperatorBackend
from institutions.forms import PlatformMunicipalityForm, PlatformRemovalForm, PlatformSignInForm
from institutions.models import Municipality
from institutions.permissions import operator_required

from .platform import (
    cache_answers,
    operators_count,
    platform_municipalities,
    platform_municipality_add,
)
from .removal import LastMunicipality, municipality_remove

BACKEND = "institutions.backends.OperatorBackend"


@login_not_required
def platform_sign_in(request):
    form = PlatformSignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        # Wrong attempts count towards a wait for the address (ACCOUNT_RATE_LIMITS).
        if not ratelimit.consume(request, action="login_failed", key=email, dry_run=True):
            form.add_error(None, _("Too many wrong passwords for this address. Try again later."))
            return render(request, "platform/sign_in.html", {"form": form}, status=429)
        operator = OperatorBackend().authenticate(
            request,
            username=email,
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
        )
        if operator is not None:
            login(request, operator, backend=BACKEND)
            return redirect("platform_home")
        ratelimit.consume(request, action="login_failed", key=email)
        form.add_error(None, _("The e-mail address, the password or the code is wrong."))
        return render(request, "platform/sign_in.html", {"form": form}, status=400)
    status = 400 if form.errors else 200
    return render(request, "platform/sign_in.html", {"form": form}, status=status)


@login_not_required
@require_POST
def platform_sign_out(request):
    logout(request)
    return redirect("platform_sign_in")


@operator_required
def platform_home(request):
    """The municipalities and how each is doing, and what the platform depends on."""
    context = {
        "municipalities": platform_municipalities(now=timezone.now()),
        "cache_answers": cache_answers(),
        "operators": operators_count(),
    }
    return render(request, "platform/home.html", context)


@operator_required
def platform_municipality_new(request):
    """Add a municipality on its own host name and invite its first consultant."""
    form = PlatformMunicipalityForm(
        request.POST or None, allowed_hosts=settings.ALLOWED_HOSTS, instance=Municipality()
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                platform_municipality_add(
                    municipality=form.instance, email=form.cleaned_data["email"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(name)s is added; %(email)s is invited by e-mail.")
                    % {"name": form.instance.name, "email": form.cleaned_data["email"]},
                )
                return redirect("platform_home")
        return render(request, "platform/municipality_new.html", {"form": form}, status=400)
    return render(request, "platform/municipality_new.html", {"form": form})


def _kind_removed(label: str) -> str:
    """A kind of row `municipality_remove` counts, by its name (a model's, or "people")."""
    if label == "people":
        return _("people")
    return str(apps.get_model(label)._meta.verbose_name_plural)


@operator_required
def platform_municipality_remove(request, slug):
    """Remove a municipality that leaves, with everything it owns, once the operator has typed
    its short name; the page then says how many rows of each kind went."""
    municipality = get_object_or_404(Municipality, slug=slug)
    form = PlatformRemovalForm(request.POST or None, slug=municipality.slug)
    context = {"municipality": municipality, "form": form}
    if request.method == "POST":
        if form.is_valid():
            name = municipality.name
            try:
                removed = municipality_remove(municipality=municipality)
            except LastMunicipality as error:
                form.add_error(None, str(error))
            else:
                rows = sorted((_kind_removed(label), count) for label, count in removed.items())
                return render(request, "platform/removed.html", {"name": name, "rows": rows})
        return render(request, "platform/municipality_remove.html", context, status=400)
    return render(request, "platform/municipality_remove.html", context)


def platform_not_found(request, exception=None):
    return render(request, "platform/not_found.html", status=404)
