from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from django.urls import reverse
from django.utils.http import urlencode

from .views import PROVIDER_ID, UniloginOAuth2Adapter


class UniloginProvider(OpenIDConnectProvider):
    """Unilogin from STIL, through its OpenID Connect broker; configured by consultants on
    the sign-in settings page (institutions.sign_in)."""

    id = PROVIDER_ID
    name = "Unilogin"
    oauth2_adapter_class = UniloginOAuth2Adapter
    # The code is bound to this browser's sign-in (RFC 7636), as STIL's broker supports.
    pkce_enabled_default = True

    def get_login_url(self, request, **kwargs):
        url = reverse("unilogin_login")
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self):
        return reverse("unilogin_callback")

    def get_oauth2_adapter(self, request):
        return self.oauth2_adapter_class(request)

    def get_default_scope(self):
        return ["openid", "email", "profile"]


provider_classes = [UniloginProvider]
