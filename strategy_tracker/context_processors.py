from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from institutions.permissions import AFTER_TWO_FACTOR, is_consultant
from institutions.selectors import municipality_current, user_role_label


def site(request):
    """Names shown in every page's header and footer, and the signed-in person's role."""
    context = {
        "site_name": settings.SITE_NAME,
        # Lazy, so a page that does not show the header costs no cache read.
        "municipality": SimpleLazyObject(municipality_current),
        # The menu item "Kommunal handleplan" is current on these pages.
        "municipal_plan_pages": [
            "municipal_plan",
            "municipal_plan_item",
            "plan_budgets",
            "pool_allocation",
        ],
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Lazy, so a page that does not show the header costs no query.
        context["user_role"] = SimpleLazyObject(lambda: user_role_label(user))
        context["is_consultant"] = is_consultant(user)
        # Offered on the two-factor pages once it is on (the query only runs there).
        context["two_factor_done_with_page_waiting"] = SimpleLazyObject(
            lambda: AFTER_TWO_FACTOR in request.session and is_mfa_enabled(user)
        )
    return context
