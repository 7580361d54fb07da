from django.conf import settings
from django.utils.functional import SimpleLazyObject

from institutions.permissions import is_consultant
from institutions.selectors import user_role_label


def site(request):
    """Names shown in every page's header and footer, and the signed-in person's role."""
    context = {
        "site_name": settings.SITE_NAME,
        "municipality_name": settings.MUNICIPALITY_NAME,
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
    return context
