"""Local identity providers the sign-in tests start: a SAML identity provider that answers as
KOMBIT's Context Handler does (OIOSAML 3 attributes, assertions signed with its key and
encrypted to this service's certificate) and an OpenID Connect provider that answers as
Unilogin's broker does (discovery, keys, tokens signed by its key, user info).

Both are served over HTTP by a thread in the test process; the keys and certificates are made
here for each test run."""

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

import jwt
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from institutions import sign_in

# The municipality's CVR number and the privileges (user system roles at KOMBIT) the tests map.
CVR = "29189854"
CONSULTANT = "http://strategitracker.dk/roles/usersystemrole/konsulent/1"
COMMITTEE = "http://strategitracker.dk/roles/usersystemrole/udvalg/1"
STAFF = "http://strategitracker.dk/roles/usersystemrole/personale/1"

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


@dataclass
class KeyPair:
    key_pem: str
    certificate_pem: str
    private_key: rsa.RSAPrivateKey

    @property
    def certificate_body(self) -> str:
        """The certificate as metadata carries it: base64 without the PEM lines."""
        return "".join(self.certificate_pem.strip().splitlines()[1:-1])


def key_pair(common_name: str) -> KeyPair:
    """An RSA key and a self-signed certificate, as the OCES3 ones look to the code."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        private_key=key,
    )


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def privileges(cvr: str, *privilege_uris: str) -> str:
    """A basic privilege profile for one organisation, base64-encoded as Context Handler
    sends it."""
    items = "".join(f"<Privilege>{escape(uri)}</Privilege>" for uri in privilege_uris)
    document = (
        '<bpp:PrivilegeList xmlns:bpp="http://itst.dk/oiosaml/basic_privilege_profile">'
        f'<PrivilegeGroup Scope="urn:dk:gov:saml:cvrNumberIdentifier:{cvr}">{items}'
        "</PrivilegeGroup></bpp:PrivilegeList>"
    )
    return base64.b64encode(document.encode()).decode()


def oiosaml_attributes(
    *, cvr: str, email: str, privilege_uris: list[str], level: str = "Substantial"
) -> dict[str, str]:
    return {
        sign_in.SAML_SPEC_VERSION: "OIO-SAML-3.0",
        sign_in.SAML_LEVEL: level,
        sign_in.SAML_CVR: cvr,
        sign_in.SAML_UUID: "urn:uuid:323e4567-e89b-12d3-a456-426614174000",
        sign_in.SAML_EMAIL: email,
        sign_in.SAML_FIRST_NAME: "Karen",
        sign_in.SAML_LAST_NAME: "Konsulent",
        sign_in.SAML_PRIVILEGES: privileges(cvr, *privilege_uris),
    }


@dataclass
class AuthnRequest:
    """What this service asked the identity provider, read off the redirect."""

    id: str
    issuer: str
    acs_url: str
    signature_valid: bool


class SamlIdentityProvider:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.entity_id = f"{base_url}/saml"
        self.sso_url = f"{base_url}/saml/sso"
        self.keys = key_pair("Test Context Handler")
        # Who signs in when a browser comes to the sign-in page (tests in a real browser).
        self.service_certificate = ""
        self.next_attributes: dict[str, str] = {}

    def sign_in_page(self, redirect_url: str) -> str:
        """The identity provider's page after a person has signed in: a form that posts the
        answer back to the service, as the POST binding does."""
        request = self.read_request(redirect_url, self.service_certificate)
        if not request.signature_valid:
            return "<p>Unsigned request</p>"
        answer = self.response(
            request, self.next_attributes, service_certificate=self.service_certificate
        )
        return (
            f'<form method="post" action={quoteattr(request.acs_url)}>'
            f'<input type="hidden" name="SAMLResponse" value="{answer}">'
            "<button>Fortsæt</button></form>"
        )

    def metadata(self) -> str:
        return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{self.entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{self.keys.certificate_body}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{self.sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""

    @staticmethod
    def read_request(redirect_url: str, service_certificate: str) -> AuthnRequest:
        """The AuthnRequest in a redirect to the identity provider, with its signature checked
        against this service's certificate as Context Handler checks it."""
        query = urlsplit(redirect_url).query
        params = parse_qs(query)
        xml = zlib.decompress(base64.b64decode(params["SAMLRequest"][0]), -15)
        document = etree.fromstring(xml)
        signed = "&".join(
            part
            for part in query.split("&")
            if part.split("=")[0] in {"SAMLRequest", "RelayState", "SigAlg"}
        )
        signature_valid = "Signature" in params and OneLogin_Saml2_Utils.validate_binary_sign(
            signed,
            base64.b64decode(params["Signature"][0]),
            service_certificate,
            params["SigAlg"][0],
        )
        return AuthnRequest(
            id=document.get("ID"),
            issuer=document.findtext(f"{{{SAML}}}Issuer"),
            acs_url=document.get("AssertionConsumerServiceURL"),
            signature_valid=bool(signature_valid),
        )

    def response(
        self,
        request: AuthnRequest,
        attributes: dict[str, str],
        *,
        service_certificate: str,
        lifetime: dt.timedelta = dt.timedelta(minutes=5),
        signed_by: KeyPair | None = None,
    ) -> str:
        """A Response with one assertion, signed (by the provider's key unless `signed_by`
        says otherwise) and encrypted to this service, base64-encoded for the POST binding."""
        now = dt.datetime.now(dt.UTC)
        issued = now if lifetime > dt.timedelta(0) else now + lifetime - dt.timedelta(minutes=5)
        until = now + lifetime
        statements = "".join(
            f'<saml:Attribute Name={quoteattr(name)} NameFormat="urn:oasis:names:tc:SAML:2.0:'
            f'attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">{escape(value)}'
            "</saml:AttributeValue></saml:Attribute>"
            for name, value in attributes.items()
        )
        assertion_id = f"_{secrets.token_hex(16)}"
        assertion = f"""<saml:Assertion xmlns:saml="{SAML}"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    ID="{assertion_id}" Version="2.0" IssueInstant="{_instant(issued)}">
  <saml:Issuer>{self.entity_id}</saml:Issuer>
  <saml:Subject>
    <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{
            attributes.get(sign_in.SAML_UUID, "anonymous")
        }</saml:NameID>
    <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
      <saml:SubjectConfirmationData NotOnOrAfter="{_instant(until)}"
          Recipient="{request.acs_url}" InResponseTo="{request.id}"/>
    </saml:SubjectConfirmation>
  </saml:Subject>
  <saml:Conditions NotBefore="{_instant(issued - dt.timedelta(minutes=1))}"
      NotOnOrAfter="{_instant(until)}">
    <saml:AudienceRestriction><saml:Audience>{request.issuer}</saml:Audience>
    </saml:AudienceRestriction>
  </saml:Conditions>
  <saml:AuthnStatement AuthnInstant="{_instant(issued)}" SessionIndex="{assertion_id}">
    <saml:AuthnContext><saml:AuthnContextClassRef>{
            sign_in.SAML_LEVEL
        }/Substantial</saml:AuthnContextClassRef></saml:AuthnContext>
  </saml:AuthnStatement>
  <saml:AttributeStatement>{statements}</saml:AttributeStatement>
</saml:Assertion>"""
        signer = signed_by or self.keys
        signed_assertion = OneLogin_Saml2_Utils.add_sign(
            assertion,
            signer.key_pem,
            signer.certificate_pem,
            sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
            digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        )
        response = etree.fromstring(
            f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}"
    ID="_{secrets.token_hex(16)}" Version="2.0" IssueInstant="{_instant(issued)}"
    Destination="{request.acs_url}" InResponseTo="{request.id}">
  <saml:Issuer>{self.entity_id}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>
  </samlp:Status>
  <saml:EncryptedAssertion/>
</samlp:Response>""".encode()
        )
        container = response.find(f"{{{SAML}}}EncryptedAssertion")
        container.append(etree.fromstring(signed_assertion))
        self._encrypt(container[0], service_certificate)
        return base64.b64encode(etree.tostring(response)).decode()

    @staticmethod
    def _encrypt(element, service_certificate: str) -> None:
        """Encrypt the assertion in place to this service's certificate (AES-GCM content key
        wrapped by RSA-OAEP, as OIOSAML 3 asks)."""
        root = element.getroottree().getroot()
        data = xmlsec.template.encrypted_data_create(
            root, xmlsec.constants.TransformAes256Gcm, type=xmlsec.constants.TypeEncElement
        )
        xmlsec.template.encrypted_data_ensure_cipher_value(data)
        key_info = xmlsec.template.encrypted_data_ensure_key_info(data, ns="ds")
        wrapped = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
        xmlsec.template.encrypted_data_ensure_cipher_value(wrapped)
        manager = xmlsec.KeysManager()
        manager.add_key(
            xmlsec.Key.from_memory(service_certificate, xmlsec.constants.KeyDataFormatCertPem, None)
        )
        context = xmlsec.EncryptionContext(manager)
        context.key = xmlsec.Key.generate(
            xmlsec.constants.KeyDataAes, 256, xmlsec.constants.KeyDataTypeSession
        )
        context.encrypt_xml(data, element)


@dataclass
class Grant:
    claims: dict
    audience: str
    challenge: str
    lifetime: int
    signed_by: rsa.RSAPrivateKey | None


@dataclass
class OpenIdProvider:
    """Unilogin's broker as the tests need it: one RSA key published as a JWK set, and the
    codes the tests issue, each for the claims of one person."""

    base_url: str
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict] = field(default_factory=dict)

    KID = "test-key"

    def configuration(self) -> dict:
        return {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/oidc/auth",
            "token_endpoint": f"{self.base_url}/oidc/token",
            "userinfo_endpoint": f"{self.base_url}/oidc/userinfo",
            "jwks_uri": f"{self.base_url}/oidc/certs",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.KID, "alg": "RS256", "use": "sig"}]}

    def issue(
        self,
        claims: dict,
        *,
        audience: str,
        challenge: str,
        lifetime: int = 300,
        signed_by: rsa.RSAPrivateKey | None = None,
    ) -> str:
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(claims, audience, challenge, lifetime, signed_by)
        return code

    def token(self, form: dict) -> tuple[int, dict]:
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != grant.challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(dt.datetime.now(dt.UTC).timestamp())
        id_token = jwt.encode(
            {
                "iss": self.base_url,
                "aud": grant.audience,
                "iat": now,
                "exp": now + grant.lifetime,
                **grant.claims,
            },
            grant.signed_by or self.key,
            algorithm="RS256",
            headers={"kid": self.KID},
        )
        access_token = secrets.token_urlsafe(16)
        self.tokens[access_token] = grant.claims
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }


class _Handler(BaseHTTPRequestHandler):
    server: "IdentityProviderServer"

    def _answer(self, status: int, body: str, content_type: str = "application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlsplit(self.path).path
        oidc = self.server.oidc
        if path == "/saml/sso":
            self._answer(200, self.server.saml.sign_in_page(self.path), "text/html; charset=utf-8")
        elif path == "/saml/metadata":
            self._answer(200, self.server.saml.metadata(), "application/samlmetadata+xml")
        elif path == "/.well-known/openid-configuration":
            self._answer(200, json.dumps(oidc.configuration()))
        elif path == "/oidc/certs":
            self._answer(200, json.dumps(oidc.jwks()))
        elif path == "/oidc/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            claims = oidc.tokens.get(token)
            self._answer(200 if claims else 401, json.dumps(claims or {"error": "invalid_token"}))
        else:
            self._answer(404, "{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path == "/oidc/token":
            status, body = self.server.oidc.token(form)
            self._answer(status, json.dumps(body))
        else:
            self._answer(404, "{}")

    def log_message(self, format, *args):  # quiet in the test output
        pass


class IdentityProviderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self.saml = SamlIdentityProvider(self.base_url)
        self.oidc = OpenIdProvider(self.base_url)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()
