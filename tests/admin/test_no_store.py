"""The admin's contact pages are never stored by a browser or a proxy cache: the next
person at a shared computer must not find a contact's data in the history or the cache."""

from __future__ import annotations

import pytest

from tests.helpers.rights import edit_url, export_url, inspect_url

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def test_contact_detail_edit_and_export_send_no_store(admin, contact):
    for url in (inspect_url(contact), edit_url(contact), export_url(contact)):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert _no_store(response), (url, response.get("Cache-Control"))


def test_a_saved_edit_sends_no_store(admin, contact):
    response = admin.post(
        edit_url(contact),
        {"email": contact.email, "first_name": "Jana", "last_name": "Nová", "custom_fields": "{}"},
    )
    assert response.status_code in (200, 302)
    assert _no_store(response), response.get("Cache-Control")
