"""Self-service and subscription pages are never stored by a browser or a proxy cache:
the next person at a shared computer must not find them in the history or the cache."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers.rights import MANAGE, MY_DATA
from wagtail_gdpr_mail.rights.access import SESSION_KEY

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_self_service_pages_send_no_store(make_contact):
    contact = make_contact("jana@example.com")
    client = Client()
    assert _no_store(client.get(MY_DATA))
    assert _no_store(client.post(MY_DATA, {"email": "jana@example.com"}))
    assert _no_store(client.get(MY_DATA + "open/not-a-token/"))
    session = client.session
    session[SESSION_KEY] = {"contact": contact.pk, "until": 2**40}
    session.save()
    manage = client.get(MANAGE)
    assert manage.status_code == 200 and _no_store(manage)


def test_confirmation_pages_send_no_store():
    assert _no_store(Client().get("/gdpr-mail/confirm/not-a-token/"))
