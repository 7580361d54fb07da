"""Sign-in through KOMBIT's Context Handler (SAML 2.0, OIOSAML 3), end to end against a
local identity provider the tests start: allauth's real SAML flow, python3-saml's real
signature and decryption checks, and our rules (institutions.sign_in) on the attributes."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from institutions.models import Municipality, SecurityEvent, User
from institutions.sign_in import KOMBIT, SAML_EMAIL, SIGN_IN_TEST_RESULT
from tests.conftest import make_person, visible_text
from tests.identity_providers import (
    COMMITTEE,
    CONSULTANT,
    CVR,
    STAFF,
    key_pair,
    oiosaml_attributes,
)

HOST = "strategi.mariagerfjord.dk"


@pytest.fixture(autouse=True)
def _host_header(client, settings):
    # Browsers always send Host; python3-saml builds the addresses it checks from it.
    settings.ALLOWED_HOSTS = [HOST]
    client.defaults["HTTP_HOST"] = HOST


@pytest.fixture
def karen(db):
    return make_person("karen@mariagerfjord.dk", "Karen Konsulent", User.Role.STAFF)


def sign_in(client, idp, keys, attributes, **options):
    """Press "Log ind med KOMBIT Context Handler", let the identity provider answer, and
    return the page the browser ends on and the answer it posted."""
    response = client.post(reverse("saml_login", args=[KOMBIT]))
    assert response.status_code == 302
    assert response.url.startswith(idp.sso_url)
    request = idp.read_request(response.url, keys.certificate_pem)
    assert request.signature_valid, "Context Handler only accepts signed requests"
    answer = idp.response(request, attributes, service_certificate=keys.certificate_pem, **options)
    return post_answer(client, request.acs_url, answer), answer, request


def post_answer(client, acs_url, answer):
    response = client.post(urlsplit(acs_url).path, {"SAMLResponse": answer})
    assert response.status_code == 302
    return client.get(response.url)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def attributes(**overrides):
    values = {"cvr": CVR, "email": "karen@mariagerfjord.dk", "privilege_uris": [CONSULTANT]}
    return oiosaml_attributes(**{**values, **overrides})


def refusal(response, reason):
    """The sign-in was refused with a Danish reason, logged, and nobody signed in."""
    assert response.status_code == 403
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).latest("at")
    assert event.detail["reason"] == reason
    return visible_text(response.content)


def test_known_person_signs_in_and_gets_the_role_the_privilege_gives(
    client, context_handler, service_keys, karen
):
    page, _, _ = sign_in(client, context_handler, service_keys, attributes())
    assert page.status_code in {200, 302}
    assert signed_in_as(client) == str(karen.pk)
    karen.refresh_from_db()
    assert karen.role == User.Role.CONSULTANT
    changed = SecurityEvent.objects.get(kind=SecurityEvent.Kind.ROLE_CHANGED, subject=karen)
    assert changed.detail["by"] == KOMBIT
    account = SocialAccount.objects.get(user=karen)
    assert account.uid == "urn:uuid:323e4567-e89b-12d3-a456-426614174000"

    # Afterwards the stable UUID links her, whatever address the directory now has; and a
    # privilege taken away at the municipality counts at her next sign-in.
    client.logout()
    sign_in(
        client,
        context_handler,
        service_keys,
        attributes(email="k.konsulent@mariagerfjord.dk", privilege_uris=[COMMITTEE, STAFF]),
    )
    assert signed_in_as(client) == str(karen.pk)
    karen.refresh_from_db()
    assert karen.role == User.Role.COMMITTEE


def test_another_municipalitys_cvr_is_refused(client, context_handler, service_keys, karen):
    page, _, _ = sign_in(client, context_handler, service_keys, attributes(cvr="11111111"))
    assert "Vælg Mariagerfjord Kommune" in refusal(page, "cvr")
    assert signed_in_as(client) is None


def test_too_low_level_of_assurance_is_refused(client, context_handler, service_keys, karen):
    page, _, _ = sign_in(client, context_handler, service_keys, attributes(level="Low"))
    assert "betydelig" in refusal(page, "level")
    assert signed_in_as(client) is None


def test_unknown_person_is_refused_and_not_created(client, context_handler, service_keys, db):
    page, _, _ = sign_in(
        client, context_handler, service_keys, attributes(email="ny@mariagerfjord.dk")
    )
    assert "Bed en konsulent om at oprette dig" in refusal(page, "person")
    assert not User.objects.filter(email="ny@mariagerfjord.dk").exists()
    assert not SocialAccount.objects.exists()


def test_a_privilege_that_gives_no_role_here_is_refused(
    client, context_handler, service_keys, karen
):
    unknown = attributes(privilege_uris=["http://andet.dk/roles/usersystemrole/x/1"])
    page, _, _ = sign_in(client, context_handler, service_keys, unknown)
    assert "ingen rolle" in refusal(page, "role")
    karen.refresh_from_db()
    assert karen.role == User.Role.STAFF


def test_an_expired_assertion_is_refused(client, context_handler, service_keys, karen):
    page, _, _ = sign_in(
        client, context_handler, service_keys, attributes(), lifetime=-dt.timedelta(minutes=1)
    )
    reason = page_reason(page)
    assert "expired" in reason or "SubjectConfirmation" in reason, reason
    assert "udløbet" in refusal(page, reason)
    assert signed_in_as(client) is None


def page_reason(page):
    """The library's own words for why it refused the answer (kept in the security log)."""
    return (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED)
        .latest("at")
        .detail["reason"]
    )


def test_a_replayed_answer_is_refused(client, context_handler, service_keys, karen):
    _, answer, request = sign_in(client, context_handler, service_keys, attributes())
    assert signed_in_as(client) == str(karen.pk)
    client.logout()
    page = post_answer(client, request.acs_url, answer)
    assert "brugt før" in refusal(page, "unrequested or replayed")
    assert signed_in_as(client) is None


def test_an_answer_signed_by_another_key_is_refused(client, context_handler, service_keys, karen):
    stranger = key_pair("Not Context Handler")
    page, _, _ = sign_in(client, context_handler, service_keys, attributes(), signed_by=stranger)
    reason = page_reason(page)
    assert "ignature" in reason
    assert "ikke korrekt signeret" in refusal(page, reason)
    assert signed_in_as(client) is None


def test_service_metadata_is_signed_and_names_our_certificate(
    client, context_handler, service_keys
):
    response = client.get(reverse("saml_metadata", args=[KOMBIT]))
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    ns = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert document.find("ds:Signature", ns) is not None
    descriptor = document.find("md:SPSSODescriptor", ns)
    assert descriptor.get("AuthnRequestsSigned") == "true"
    assert descriptor.get("WantAssertionsSigned") == "true"
    certificates = descriptor.findall(".//ds:X509Certificate", ns)
    body = "".join(service_keys.certificate_pem.strip().splitlines()[1:-1])
    assert any(element.text.strip() == body for element in certificates)


def test_not_offered_until_the_operator_sets_the_service_key(client, context_handler, settings):
    settings.SAML_SP_PRIVATE_KEY_FILE = ""
    assert "Context Handler" not in visible_text(client.get(reverse("account_login")).content)
    assert client.post(reverse("saml_login", args=[KOMBIT])).status_code == 404


def test_login_page_offers_it_and_lets_the_form_reach_the_identity_provider(
    client, context_handler, identity_providers
):
    response = client.get(reverse("account_login"))
    assert "Log ind med KOMBIT Context Handler" in visible_text(response.content)
    policy = response["Content-Security-Policy"]
    assert f"form-action 'self' {identity_providers.base_url}" in policy


def test_consultant_connects_context_handler_from_its_metadata_address(
    client, consultant, identity_providers, service_keys
):
    client.force_login(consultant)
    response = client.post(
        reverse("sign_in_kombit_save"),
        {
            "cvr": CVR,
            "metadata_url": f"{identity_providers.base_url}/saml/metadata",
            "consultant_privileges": CONSULTANT,
            "committee_privileges": f"{COMMITTEE}\n\n",
            "staff_privileges": "",
        },
    )
    assert response.status_code == 302
    page = visible_text(client.get(reverse("sign_in_settings")).content)
    assert CONSULTANT in page and COMMITTEE in page
    assert f"http://{HOST}/konto/saml/kombit/metadata/" in page
    assert Municipality.objects.get().cvr == CVR

    # The metadata is read through the address: the sign-in goes to its SSO address.
    response = client.post(reverse("saml_login", args=[KOMBIT]))
    assert response.url.startswith(identity_providers.saml.sso_url)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cvr": "1234"}, "Et CVR-nummer er otte cifre."),
        ({"metadata_url": "http://127.0.0.1:9/none"}, "Metadata kunne ikke læses"),
        ({"metadata_url": ""}, "Angiv adressen på KOMBITs metadata eller filen."),
        ({"consultant_privileges": " "}, "Angiv mindst ét privilegium, der giver en rolle."),
        ({"certificate": "not a certificate"}, "Dette er ikke et certifikat i PEM-form"),
    ],
)
def test_settings_that_cannot_work_are_refused_in_danish(
    client, consultant, identity_providers, fields, message
):
    client.force_login(consultant)
    form = {
        "cvr": CVR,
        "metadata_url": f"{identity_providers.base_url}/saml/metadata",
        "consultant_privileges": CONSULTANT,
        **fields,
    }
    response = client.post(reverse("sign_in_kombit_save"), form)
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert not SocialAccount.objects.exists()


def test_test_sign_in_shows_claims_and_mapping_and_signs_nobody_in(
    client, consultant, context_handler, service_keys, karen
):
    client.force_login(consultant)
    response = client.post(reverse("sign_in_test_start", args=[KOMBIT]))
    request = context_handler.read_request(response.url, service_keys.certificate_pem)
    answer = context_handler.response(
        request, attributes(), service_certificate=service_keys.certificate_pem
    )
    page = post_answer(client, request.acs_url, answer)
    assert page.status_code == 302 and page.url == reverse("sign_in_test_result")
    assert signed_in_as(client) == str(consultant.pk)
    text = visible_text(client.get(page.url).content)
    assert "Log-ind ville blive godkendt" in text
    assert f"Privilegier for kommunen {CONSULTANT}" in text
    assert "Person her Karen Konsulent" in text and "Rolle Konsulent" in text
    assert SAML_EMAIL in text and "karen@mariagerfjord.dk" in text
    karen.refresh_from_db()
    assert karen.role == User.Role.STAFF
    assert not SocialAccount.objects.exists()
    assert SIGN_IN_TEST_RESULT in client.session


def test_context_handler_carries_the_second_factor(client, context_handler, service_keys, karen):
    sign_in(client, context_handler, service_keys, attributes())
    assert client.get(reverse("person_list")).status_code == 200


@pytest.mark.parametrize(
    "privileges",
    [
        "not base64 at all",
        "PG5vdCB4bWw=",
        oiosaml_attributes(cvr="11111111", email="", privilege_uris=[CONSULTANT])[
            "https://data.gov.dk/model/core/eid/privilegesIntermediate"
        ],
    ],
    ids=["not-base64", "not-xml", "other-organisation"],
)
def test_privileges_that_cannot_be_read_or_are_for_another_organisation_give_no_role(
    client, context_handler, service_keys, karen, privileges
):
    unreadable = {
        **attributes(),
        "https://data.gov.dk/model/core/eid/privilegesIntermediate": privileges,
    }
    page, _, _ = sign_in(client, context_handler, service_keys, unreadable)
    refusal(page, "role")
    assert signed_in_as(client) is None


def test_consultant_connects_context_handler_from_its_metadata_file(
    client, consultant, identity_providers, service_keys
):
    client.force_login(consultant)
    metadata = SimpleUploadedFile(
        "kombit-metadata.xml", identity_providers.saml.metadata().encode(), "text/xml"
    )
    form = {"cvr": CVR, "metadata_file": metadata, "staff_privileges": STAFF}
    assert client.post(reverse("sign_in_kombit_save"), form).status_code == 302
    stored = SocialApp.objects.get(provider="saml").settings["idp"]
    assert stored == {
        "entity_id": identity_providers.saml.entity_id,
        "sso_url": identity_providers.saml.sso_url,
        "x509cert": identity_providers.saml.keys.certificate_body,
    }
    # Saved again without a file, the metadata read before is kept.
    again = {"cvr": CVR, "staff_privileges": STAFF, "committee_privileges": COMMITTEE}
    assert client.post(reverse("sign_in_kombit_save"), again).status_code == 302
    assert SocialApp.objects.get(provider="saml").settings["idp"] == stored
