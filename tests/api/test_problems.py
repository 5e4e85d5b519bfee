"""Bad input gets an RFC 9457 problem: 400 for bad JSON, unknown fields and wrong types."""

from __future__ import annotations

import pytest

from wagtail_gdpr_mail.models import Contact

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    ["{", '{"email": }', "[1, 2", "\x00", "not json at all", '{"email": "a@example.com"'],
)
def test_bad_json(api, raw):
    body = assert_problem(api.post("contacts/", raw=raw), 400)
    assert body["type"].endswith("bad-json")
    assert not Contact.objects.exists()


def test_unknown_fields_are_refused(api):
    body = assert_problem(
        api.post("contacts/", {"email": "a@example.com", "emial": "typo", "admin": True}), 400
    )
    assert set(body["errors"]) == {"emial", "admin"}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"email": 5},
        {"email": "a@example.com", "purposes": "1"},
        {"email": "a@example.com", "purposes": [True]},
        {"email": "a@example.com", "purposes": ["1"]},
        {"email": "a@example.com", "purposes": [2**70]},
        {"email": "a@example.com", "lists": [-1]},
        {"email": "a@example.com", "doi": "perhaps"},
        {"email": "a@example.com", "custom_fields": ["x"]},
        {"email": "a@example.com", "custom_fields": {"a": {"nested": 1}}},
        {"email": "a@example.com", "valid_from": "yesterday"},
        {"email": "a@example.com", "valid_from": "0001-01-01T00:00:00Z"},
        {"email": "a@example.com", "first_name": "x" * 201},
        {"email": "a@example.com", "first_name": "nul\x00byte"},
        {"email": "not an address"},
        {},
    ],
)
def test_wrong_types_and_values(api, data, purpose):
    body = assert_problem(api.post("contacts/", data), 400)
    assert body["errors"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("raw", ["[]", '"a string"', "42", "null", "true"])
def test_a_body_that_is_no_object(api, raw):
    assert_problem(api.post("contacts/", raw=raw), 400)


def test_other_content_types_are_415(api):
    response = api.post("contacts/", raw="email=a@example.com", content_type="text/plain")
    assert_problem(response, 415)


def test_unknown_method_is_405(api, contact):
    assert_problem(api.call("DELETE", f"contacts/{contact.pk}/"), 405)
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_huge_ids_are_404_not_500(api):
    for path in ("contacts/99999999999999999/", "segments/99999999999999999/members/"):
        assert_problem(api.get(path), 404)
    assert api.get("contacts/999999999999999999999/").status_code == 404


def test_bad_page_numbers(api, make_contact):
    make_contact()
    assert_problem(api.get("purposes/?page=0"), 404)
    assert_problem(api.get("purposes/?page=abc"), 404)
    assert api.get("purposes/?page_size=abc").status_code == 200
    assert api.get("purposes/?page_size=-5").status_code == 200
