"""Segments through the API: their live count and their members, page by page."""

from __future__ import annotations

import pytest

from tests.helpers.segments import make_segment, rule
from wagtail_gdpr_mail.consent.assignments import assign_purpose

from .conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def holders(make_contact, purpose):
    people = [make_contact() for _ in range(5)]
    for person in people[:3]:
        assign_purpose(person, purpose, source="form")
    return people


def test_count_and_members(api, holders, purpose, settings):
    settings.WAGTAIL_GDPR_MAIL_API_PAGE_SIZE = 2
    segment = make_segment(rule("has_purpose", {"purpose": purpose.pk}), name="Subscribers")
    detail = api.get(f"segments/{segment.pk}/").json()
    assert detail["name"] == "Subscribers" and detail["count"] == 3
    listed = api.get("segments/?page_size=20").json()
    assert {s["name"]: s["count"] for s in listed["results"]}["Subscribers"] == 3
    first = api.get(f"segments/{segment.pk}/members/").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = api.get(f"segments/{segment.pk}/members/?page=2").json()
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert ids == sorted(p.pk for p in holders[:3])
    assert first["results"][0]["purposes"][0]["purpose"] == purpose.pk
    bigger = api.get(f"segments/{segment.pk}/members/?page_size=3").json()
    assert len(bigger["results"]) == 3


def test_unknown_segment(api):
    assert_problem(api.get("segments/424242/members/"), 404)
