import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseNotFound
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import tenancy
from institutions.selectors import municipality_for_host

# C0 control characters and DEL: no address or search of ours contains them, and PostgreSQL
# refuses a NUL in any text, so they are answered before a view or the security log sees them.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

HEALTH_PATH = "/sundhed/"

RENEWED_AT = "_renewed_at"
SIGNED_IN_AT = "_signed_in_at"


@receiver(user_logged_in)
def _renewed_on_login(sender, request, user, **kwargs):
    """Signing in starts the session fresh; the next renewal is due a while later, and the
    absolute timeout counts from now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[RENEWED_AT] = now
        request.session[SIGNED_IN_AT] = now


PLATFORM_URLCONF = "strategy_tracker.platform_urls"


def choose_municipality(get_response):
    """A request acts for the municipality its host name names, or, in an installation with
    one municipality, for that one whatever the host. An unknown host is answered 404. The
    platform's host (PLATFORM_HOST) acts for none, and has only the platform's own pages."""

    def middleware(request):
        host, _port = split_domain_port(request.get_host())
        if settings.PLATFORM_HOST and host == settings.PLATFORM_HOST:
            request.urlconf = PLATFORM_URLCONF
            with tenancy.for_the_platform():
                return get_response(request)
        municipality = municipality_for_host(host)
        if municipality is None:
            return HttpResponseNotFound(render_to_string("no_municipality.html"))
        token = tenancy.begin(municipality)
        try:
            response = get_response(request)
        finally:
            tenancy.end(token)
        if response.streaming:  # its rows are read after this returns, as they are sent
            response.streaming_content = _streamed_for(municipality, response.streaming_content)
        return response

    return middleware


def _streamed_for(municipality: int, chunks):
    """A streamed answer's chunks, each made acting for the request's municipality."""
    chunks = iter(chunks)
    while True:
        with tenancy.acting_for(municipality):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


class SessionRenewalMiddleware:
    """Sessions end after SESSION_IDLE_TIMEOUT without a request and, however active,
    SESSION_ABSOLUTE_TIMEOUT after signing in.

    The idle timeout is kept without writing the session on every request: a signed-in
    person's session is renewed (saved with a fresh expiry) when the last renewal is more
    than SESSION_RENEW_AFTER seconds old, so it ends that much sooner at most."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        signed_in = session is not None and user is not None and user.is_authenticated
        now = int(time.time())
        if signed_in and now - session.get(SIGNED_IN_AT, now) > settings.SESSION_ABSOLUTE_TIMEOUT:
            logout(request)
            messages.info(request, _("You were signed out after a long session. Sign in again."))
            return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if signed_in and now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER:
            session[RENEWED_AT] = now
        return response


def refuse_control_characters(get_response):
    """Answer 400 (the Danish page) to an address or query with control characters in it."""

    def middleware(request):
        texts = [request.path]
        for name, values in request.GET.lists():
            texts += [name, *values]
        if any(CONTROL_CHARACTERS.search(text) for text in texts):
            raise BadRequest("Control characters in the address.")
        return get_response(request)

    return middleware


def health_check(get_response):
    """HEALTH_PATH for the container's health check: answered first, before the host check and
    the HTTPS redirect that a request from inside the container cannot pass; 503 while the
    database does not answer."""

    def middleware(request):
        if request.path != HEALTH_PATH:
            return get_response(request)
        try:
            # A query, not just a connection: a kept-open connection says nothing of now.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        return HttpResponse("ok\n", content_type="text/plain")

    return middleware
