"""The page for a request that failed on the server: while the database cannot be reached or
does not answer in time, a Danish "try again in a little while" (503) instead of an error."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import server_error

RETRY_AFTER_SECONDS = 30


def server_error_or_unavailable(request):
    """Django's 500 handler, except that a lost or silent database answers 503."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        page = loader.get_template("503.html").render()
        response = HttpResponse(page, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return server_error(request)
