"""API keys: stored hashed, scoped, expiring, revocable; made in the admin and shown once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.helpers.users import make_user
from wagtail_gdpr_mail.models import ApiKey, ApiScope
from wagtail_gdpr_mail.tokens import hash_token

from .conftest import ApiClient, assert_problem, make_key

pytestmark = pytest.mark.django_db

KEYS_URL = "/admin/gdpr-mail/api-keys/"
ADD_URL = KEYS_URL + "new/"


def test_only_the_hash_is_stored(key_factory):
    api_key, raw = key_factory()
    assert raw.startswith("gm_") and len(raw) >= 43
    row = ApiKey.objects.values().get(pk=api_key.pk)
    assert raw not in str(row)
    assert row["key_hash"] == hash_token(raw)
    assert raw.startswith(row["visible_part"]) and len(row["visible_part"]) < 16
    assert ApiKey.find(raw) == api_key
    assert ApiKey.find(raw + "x") is None
    assert ApiKey.find("") is None and ApiKey.find("x" * 500) is None


def test_no_key_wrong_key_and_other_schemes_are_401(contact):
    for client in (ApiClient(None), ApiClient("gm_not-a-key")):
        body = assert_problem(client.get(f"contacts/{contact.pk}/"), 401)
        assert "unauthenticated" in body["type"]
    _key, raw = make_key()
    basic = ApiClient(None).get(
        f"contacts/{contact.pk}/", headers={"Authorization": f"Basic {raw}"}
    )
    assert_problem(basic, 401)
    assert basic["WWW-Authenticate"].startswith("Bearer")


def test_api_key_scheme_works_too(contact):
    _key, raw = make_key()
    response = ApiClient(None).get(
        f"contacts/{contact.pk}/", headers={"Authorization": f"Api-Key {raw}"}
    )
    assert response.status_code == 200


def test_an_expired_key_is_refused(contact, clock):
    api_key, raw = make_key(expires_at=timezone.now() + timedelta(hours=1))
    client = ApiClient(raw)
    assert client.get(f"contacts/{contact.pk}/").status_code == 200
    clock.advance(hours=2)
    assert_problem(client.get(f"contacts/{contact.pk}/"), 401)


def test_a_revoked_key_is_refused(contact):
    api_key, raw = make_key()
    api_key.revoked_at = timezone.now()
    api_key.save()
    assert_problem(ApiClient(raw).get(f"contacts/{contact.pk}/"), 401)


def test_use_is_recorded(contact):
    api_key, raw = make_key()
    assert api_key.last_used_at is None
    ApiClient(raw).get(f"contacts/{contact.pk}/")
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize(
    ("scope", "method", "path", "data"),
    [
        (ApiScope.READ_CONTACTS, "GET", "contacts/{pk}/", None),
        (ApiScope.READ_CONTACTS, "POST", "contacts/lookup/", {"email": "a@example.com"}),
        (ApiScope.WRITE_CONTACTS, "POST", "contacts/", {"email": "new@example.com"}),
        (ApiScope.WRITE_CONTACTS, "PATCH", "contacts/{pk}/", {"first_name": "X"}),
        (ApiScope.ASSIGN, "POST", "contacts/{pk}/assignments/", {}),
        (ApiScope.EXPORT, "GET", "contacts/{pk}/export/", None),
        (ApiScope.ERASE, "POST", "contacts/{pk}/erase/", {"mode": "delete"}),
        (ApiScope.READ_CONTACTS, "GET", "segments/", None),
    ],
)
def test_each_endpoint_needs_its_scope(api_as, contact, scope, method, path, data):
    others = [s for s in ApiScope if s != scope]
    response = api_as(*others).call(method, path.format(pk=contact.pk), data)
    body = assert_problem(response, 403)
    assert scope in body["detail"]
    contact.refresh_from_db()
    assert contact.first_name == "Jana"
    assert api_as(scope).call(method, path.format(pk=contact.pk), data).status_code != 403


def test_purposes_on_create_need_the_assign_scope(api_as, purpose):
    response = api_as(ApiScope.WRITE_CONTACTS).post(
        "contacts/", {"email": "a@example.com", "purposes": [purpose.pk], "proof_note": "fair"}
    )
    assert_problem(response, 403)


def test_purposes_and_legal_bases_need_only_a_key(api_as, purpose):
    client = api_as()
    assert client.get("purposes/").status_code == 200
    assert client.get(f"purposes/{purpose.pk}/").json()["name"] == "Newsletter"
    codes = {b["code"] for b in client.get("legal-bases/").json()["results"]}
    assert "consent" in codes and len(codes) == 6


# --- The admin ----------------------------------------------------------------------


def test_the_admin_shows_the_key_once_and_stores_its_hash(client, superuser, contact):
    client.force_login(superuser)
    assert client.get(ADD_URL).status_code == 200
    response = client.post(
        ADD_URL, {"name": "Shop", "scopes": ["read_contacts", "export"], "expires_at": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'value="(gm_[^"]+)"', response.content.decode()).group(1)
    api_key = ApiKey.objects.get()
    assert api_key.created_by == superuser
    assert api_key.scopes == ["read_contacts", "export"]
    assert api_key.key_hash == hash_token(raw)
    assert ApiClient(raw).get(f"contacts/{contact.pk}/").status_code == 200
    # The listing and the edit form never show it again.
    listing = client.get(KEYS_URL).content.decode()
    edit = client.get(f"{KEYS_URL}edit/{api_key.pk}/").content.decode()
    assert raw not in listing and raw not in edit
    assert api_key.visible_part in listing


def test_revoking_in_the_admin(client, superuser, contact):
    api_key, raw = make_key()
    client.force_login(superuser)
    response = client.post(
        f"{KEYS_URL}edit/{api_key.pk}/",
        {"name": "Shop", "scopes": ["read_contacts"], "expires_at": "", "revoke": "on"},
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert_problem(ApiClient(raw).get(f"contacts/{contact.pk}/"), 401)


def test_managing_keys_needs_its_permission(client, editor):
    client.force_login(editor)
    assert client.get(KEYS_URL).status_code in (302, 403)
    assert client.post(ADD_URL, {"name": "X", "scopes": ["erase"]}).status_code in (302, 403)
    assert not ApiKey.objects.exists()
    manager = make_user("keeper", ["manage_api_keys"])
    client.force_login(manager)
    assert client.get(KEYS_URL).status_code == 200


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("WAGTAIL_GDPR_MAIL_API_RATE_LIMIT", (0, 60), "wagtail_gdpr_mail.E070"),
        ("WAGTAIL_GDPR_MAIL_API_RATE_LIMIT", "lots", "wagtail_gdpr_mail.E070"),
        ("WAGTAIL_GDPR_MAIL_API_IDEMPOTENCY_HOURS", 0, "wagtail_gdpr_mail.E071"),
    ],
)
def test_bad_api_settings_stop_start_up(settings, setting, value, check_id):
    from wagtail_gdpr_mail.checks import check_api_settings

    assert check_api_settings() == []
    setattr(settings, setting, value)
    assert [m.id for m in check_api_settings()] == [check_id]
