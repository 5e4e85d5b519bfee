"""A rate limit per key: beyond it, 429 with Retry-After; other keys are not affected."""

from __future__ import annotations

import pytest

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_each_key_has_its_own_limit(api_as, contact, settings):
    settings.WAGTAIL_GDPR_MAIL_API_RATE_LIMIT = (3, 60)
    busy, other = api_as("read_contacts"), api_as("read_contacts")
    for _ in range(3):
        assert busy.get(f"contacts/{contact.pk}/").status_code == 200
    refused = busy.get(f"contacts/{contact.pk}/")
    body = assert_problem(refused, 429)
    assert body["type"].endswith("rate-limited")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.get(f"contacts/{contact.pk}/").status_code == 200


def test_the_limit_lifts_after_the_window(api_as, contact, settings, monkeypatch):
    import time

    settings.WAGTAIL_GDPR_MAIL_API_RATE_LIMIT = (2, 60)
    client = api_as("read_contacts")
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    assert client.get(f"contacts/{contact.pk}/").status_code == 200
    assert client.get(f"contacts/{contact.pk}/").status_code == 200
    assert client.get(f"contacts/{contact.pk}/").status_code == 429
    now[0] += 200
    assert client.get(f"contacts/{contact.pk}/").status_code == 200
