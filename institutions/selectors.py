from django.conf import settings
from django.utils.translation import gettext as _

from .models import User


def user_role_label(user: User) -> str:
    """What the header says about who is signed in, e.g. "Leder, Nordby Skole"."""
    if user.is_superuser:
        return _("Superuser")
    if user.role != User.Role.STAFF:
        return user.get_role_display()
    memberships = user.memberships.select_related("institution").order_by("institution__name")
    return (
        "; ".join(
            f"{membership.get_role_display()}, {membership.institution.name}"
            for membership in memberships
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
