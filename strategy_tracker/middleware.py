import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

RENEWED_AT = "_renewed_at"


@receiver(user_logged_in)
def _renewed_on_login(sender, request, user, **kwargs):
    """Signing in starts the session fresh; the next renewal is due a while later."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())


class SessionRenewalMiddleware:
    """Keep the idle timeout without writing the session on every request: a signed-in
    person's session is renewed (saved with a fresh expiry) when the last renewal is more
    than SESSION_RENEW_AFTER seconds old, so it ends that much sooner at most."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_AFTER:
                session[RENEWED_AT] = now
        return response
