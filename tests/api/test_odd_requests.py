"""Odd requests a client or an attacker may send: never a 500."""

from __future__ import annotations

import pytest

from .conftest import ApiClient, assert_problem, make_key

pytestmark = pytest.mark.django_db


def test_html_is_not_acceptable(api, contact):
    response = api.get(f"contacts/{contact.pk}/", headers={"Accept": "text/html"})
    assert response.status_code == 406


def test_deeply_nested_json(api):
    raw = "[" * 100_000 + "]" * 100_000
    assert api.post("contacts/", raw=raw).status_code == 400
    raw = '{"email": ' + "[" * 50_000 + "]" * 50_000 + "}"
    assert api.post("contacts/", raw=raw).status_code == 400


def test_bytes_that_are_no_utf8(api):
    assert_problem(api.post("contacts/", raw=b'{"email": "\xff\xfe"}'), 400)


def test_a_non_ascii_authorization_header(contact):
    client = ApiClient(None)
    response = client.client.get(
        f"/gdpr-mail/api/contacts/{contact.pk}/", HTTP_AUTHORIZATION="Bearer kl\u00ed\u010d"
    )
    assert response.status_code == 401


def test_an_empty_bearer(contact):
    response = ApiClient(None).get(f"contacts/{contact.pk}/", headers={"Authorization": "Bearer"})
    assert_problem(response, 401)


def test_huge_numbers_and_floats(api, purpose, contact):
    path = f"contacts/{contact.pk}/assignments/"
    for value in (1e308, 10**400, -1, 0, 1.5, "1", None):
        response = api.post(path, {"purpose": value, "proof_note": "x"})
        assert response.status_code == 400, (value, response.content)


def test_nan_and_infinity(api):
    assert api.post("contacts/", raw='{"email": NaN}').status_code == 400
    assert (
        api.post("contacts/", raw='{"email": "a@example.com", "doi": Infinity}').status_code == 400
    )


def test_an_idempotency_key_on_a_get_is_ignored(api, contact):
    response = api.get(f"contacts/{contact.pk}/", headers={"Idempotency-Key": "x"})
    assert response.status_code == 200


def test_a_revoked_key_with_an_idempotency_key(contact):
    from django.utils import timezone

    api_key, raw = make_key()
    api_key.revoked_at = timezone.now()
    api_key.save()
    response = ApiClient(raw).post(
        "contacts/", {"email": "a@example.com"}, headers={"Idempotency-Key": "x"}
    )
    assert_problem(response, 401)


def test_a_big_body(api):
    response = api.post("contacts/", {"email": "a@example.com", "first_name": "x" * 3_000_000})
    assert response.status_code in (400, 413)
