import tablib
from django.conf import settings
from django.utils.translation import gettext as _

from .models import Institution, Membership, User


def memberships_of(user: User) -> list[Membership]:
    """The person's memberships with their institutions, by name: read once for the user
    object, which lives as long as the request, however many checks and headers ask."""
    if not hasattr(user, "_memberships"):
        user._memberships = list(
            user.memberships.select_related("institution").order_by("institution__name")
        )
    return user._memberships


def user_role_label(user: User) -> str:
    """What the header says about who is signed in, e.g. "Leder, Nordby Skole"."""
    if user.is_superuser:
        return _("Superuser")
    if user.role != User.Role.STAFF:
        return user.get_role_display()
    return (
        "; ".join(
            f"{membership.get_role_display()}, {membership.institution.name}"
            for membership in memberships_of(user)
        )
        or user.get_role_display()
    )


def person_name(user: User | None) -> str:
    """How a person appears in history; a deactivated person as the municipality chose."""
    if user is None:
        return _("Unknown")
    if not user.is_active and settings.DEACTIVATED_PERSON_SHOWN_AS == "former":
        return _("Former user")
    return user.get_full_name() or user.email


def institution_export():
    """Every institution as rows with the import's Danish headings, so it imports back."""
    data = tablib.Dataset(headers=["Navn", "Type", "Område", "Antal børn", "Leder (e-mail)"])
    leaders = {}
    for membership in Membership.objects.filter(role=Membership.Role.LEADER).select_related("user"):
        leaders.setdefault(membership.institution_id, membership.user.email)
    for institution in Institution.objects.select_related("actor").order_by("actor__order", "name"):
        data.append(
            [
                institution.name,
                institution.actor.name,
                institution.area,
                institution.children_count if institution.children_count is not None else "",
                leaders.get(institution.pk, ""),
            ]
        )
    return data
