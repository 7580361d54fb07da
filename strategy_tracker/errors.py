"""The pages of requests that fail: while the database cannot be reached or does not answer
in time, a Danish "try again in a little while" (503) instead of an error; a page refused to a
role for another municipality's object, "not found" (404) as for any id that is not there."""

import re
import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template import loader
from django.urls.converters import get_converters
from django.views.defaults import page_not_found, permission_denied, server_error

from core.tenancy import OwnedId

RETRY_AFTER_SECONDS = 30


def server_error_or_unavailable(request):
    """Django's 500 handler, except that a lost or silent database answers 503."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return server_error(request)


# An address's typed parts: "<institution:pk>" names converter "institution" and part "pk".
ROUTE_PART = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def names_anothers_object(request) -> bool:
    """Whether the address of the request names an object the municipality cannot see
    (core.tenancy.OwnedId): another municipality's, or one that does not exist."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return False
    converters = get_converters()
    for part in ROUTE_PART.finditer(match.route):
        converter = converters.get(part["converter"] or "str")
        if isinstance(converter, OwnedId) and part["name"] in match.kwargs:
            try:
                if not converter.names_visible(match.kwargs[part["name"]], match.kwargs):
                    return True
            except Http404:
                return True
    return False


def permission_denied_or_not_found(request, exception):
    """Django's 403 page, except that a page refused to a role answers 404 where its address
    names another municipality's object: refused or not, that object does not exist here."""
    if names_anothers_object(request):
        return page_not_found(request, Http404())
    return permission_denied(request, exception)
