from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from strategy_tracker.permissions import consultant_required

from .forms import InstitutionForm, PersonForm
from .models import Institution, Membership, User
from .services import institution_save, person_deactivate, person_invite, person_update


@consultant_required
def institution_list(request):
    institutions = Institution.objects.select_related("actor").order_by("actor__order", "name")
    return render(request, "institutions/institution_list.html", {"institutions": institutions})


@consultant_required
def institution_edit(request, pk=None):
    institution = get_object_or_404(Institution, pk=pk) if pk else Institution()
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        institution_save(institution=form.instance)
        messages.success(request, _("%(name)s is saved.") % {"name": form.instance.name})
        return redirect("institution_list")
    return render(
        request,
        "institutions/institution_form.html",
        {"form": form, "institution": institution},
        status=400 if form.errors else 200,
    )


@consultant_required
def person_list(request):
    people = User.objects.order_by("-is_active", "first_name", "last_name").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("institution"))
    )
    return render(request, "institutions/person_list.html", {"people": people})


@consultant_required
def person_edit(request, pk=None):
    person = get_object_or_404(User, pk=pk) if pk else User()
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        options = {
            "person": form.instance,
            "institutions": form.cleaned_data["institutions"],
            "membership_role": form.cleaned_data["membership_role"],
        }
        if pk:
            person_update(**options, changed_by=request.user)
            messages.success(request, _("%(name)s is saved.") % {"name": form.instance})
        else:
            person_invite(
                **options, invited_by=request.user, base_url=request.build_absolute_uri("/")[:-1]
            )
            messages.success(
                request, _("%(email)s has been invited by e-mail.") % {"email": form.instance.email}
            )
        return redirect("person_list")
    return render(
        request,
        "institutions/person_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@consultant_required
@require_POST
def person_deactivate_view(request, pk):
    person = get_object_or_404(User, pk=pk)
    if person == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        person_deactivate(person=person, by=request.user)
        messages.success(request, _("%(name)s can no longer sign in.") % {"name": person})
    return redirect("person_list")
