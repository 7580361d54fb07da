import jwt
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.urls import reverse

PROVIDER_ID = "unilogin"


class UniloginOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """OpenID Connect against STIL's broker, with the ID token's signature always checked
    against the broker's published keys (allauth skips that for tokens it fetched itself)."""

    def __init__(self, request):
        super().__init__(request, PROVIDER_ID)

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        config = self.openid_config
        try:
            key = jwt.PyJWKClient(config["jwks_uri"], timeout=10).get_signing_key_from_jwt(id_token)
            return jwt.decode(
                id_token,
                key=key.key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=app.client_id,
                issuer=config["issuer"],
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise OAuth2Error(f"Invalid id_token: {error}") from error

    def get_callback_url(self, request, app):
        return request.build_absolute_uri(reverse("unilogin_callback"))


# allauth's views; a Unilogin nobody has configured answers 404 (SocialAccountAdapter.get_app).
login = OAuth2LoginView.adapter_view(UniloginOAuth2Adapter)
callback = OAuth2CallbackView.adapter_view(UniloginOAuth2Adapter)
