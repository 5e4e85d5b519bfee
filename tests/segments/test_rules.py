"""Every rule, combined with all / any and one level of groups, on a controllable clock.

``segment_contacts(segment, now=...)`` takes the moment to evaluate at, so the expiry
rules are tested at chosen instants instead of the wall clock.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.helpers.segments import group, make_segment, rule
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import ContactSource, ListMembership, Segment, Suppression
from wagtail_gdpr_mail.segments.rules import segment_contacts

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(timezone.datetime(2026, 3, 1, 12, 0))


def ids(segment, now=T0):
    return set(segment_contacts(segment, now=now).values_list("pk", flat=True))


@pytest.fixture
def people(make_contact, make_purpose):
    """a: newsletter (3 years from T0); b: offers, lapsing at T0 + 10 days; c: nothing."""
    newsletter, offers = make_purpose("Newsletter"), make_purpose("Offers", years=1)
    a, b, c = make_contact(), make_contact(source=ContactSource.IMPORT), make_contact()
    assign_purpose(a, newsletter, source="form", valid_from=T0)
    assign_purpose(b, offers, source="form", valid_from=T0 - timedelta(days=355))
    return {"a": a, "b": b, "c": c, "newsletter": newsletter, "offers": offers}


def test_purpose_rules(people):
    a, b, c = people["a"].pk, people["b"].pk, people["c"].pk
    newsletter, offers = people["newsletter"].pk, people["offers"].pk
    assert ids(make_segment(rule("no_valid_purpose"))) == {c}
    assert ids(make_segment(rule("has_purpose", {"purpose": newsletter}))) == {a}
    assert ids(make_segment(rule("lacks_purpose", {"purpose": newsletter}))) == {b, c}
    expiring = make_segment(rule("expires_within", {"purpose": offers, "days": 30}))
    assert ids(expiring) == {b}
    assert ids(expiring, now=T0 - timedelta(days=30)) == set()


def test_expiry_rules_follow_the_clock(people):
    b = people["b"].pk
    lapse = T0 + timedelta(days=10)
    expiring = make_segment(rule("expires_within", {"purpose": None, "days": 30}))
    expired = make_segment(rule("expired_within", {"purpose": None, "days": 30}))
    assert ids(expiring, now=lapse - timedelta(days=31)) == set()
    assert ids(expiring, now=lapse - timedelta(days=29)) == {b}
    assert ids(expired, now=lapse - timedelta(seconds=1)) == set()
    assert ids(expired, now=lapse) == {b}
    assert ids(expired, now=lapse + timedelta(days=29)) == {b}
    assert ids(expired, now=lapse + timedelta(days=31)) == set()
    # Once lapsed, the contact holds nothing: the built-in "no valid purpose" sees it.
    assert b in ids(make_segment(rule("no_valid_purpose")), now=lapse + timedelta(days=1))


def test_a_revoked_purpose_has_not_expired(people):
    assignment = people["b"].assignments.get()
    revoke_assignment(assignment, reason="admin")
    expired = make_segment(rule("expired_within", {"purpose": None, "days": 30}))
    assert ids(expired, now=T0 + timedelta(days=11)) == set()


def test_all_any_and_a_nested_group(people, contact_list):
    a, b, c = people["a"], people["b"], people["c"]
    ListMembership.objects.create(contact=a, contact_list=contact_list)
    ListMembership.objects.create(contact=c, contact_list=contact_list)
    in_list = rule("in_list", {"contact_list": contact_list.pk})
    has_newsletter = rule("has_purpose", {"purpose": people["newsletter"].pk})
    has_offers = rule("has_purpose", {"purpose": people["offers"].pk})
    assert ids(make_segment(in_list, has_newsletter)) == {a.pk}
    assert ids(make_segment(in_list, has_offers, match="any")) == {a.pk, b.pk, c.pk}
    nested = make_segment(
        rule("lacks_purpose", {"purpose": people["newsletter"].pk}),
        group("any", has_offers, in_list),
    )
    assert ids(nested) == {b.pk, c.pk}


def test_a_segment_is_one_query(people, contact_list):
    segment = make_segment(
        rule("has_purpose", {"purpose": people["newsletter"].pk}),
        group(
            "any",
            rule("in_list", {"contact_list": contact_list.pk}),
            rule("expired_within", {"purpose": None, "days": 30}),
            rule("source", {"source": "import"}),
        ),
    )
    with CaptureQueriesContext(connection) as queries:
        segment_contacts(segment, now=T0).count()
    assert len(queries) == 1


def test_list_dates_source_and_suppression(people, contact_list):
    a, b, c = people["a"], people["b"], people["c"]
    ListMembership.objects.create(
        contact=a, contact_list=contact_list, added_at=T0 - timedelta(days=40)
    )
    ListMembership.objects.create(contact=b, contact_list=contact_list, added_at=T0)
    joined = make_segment(
        rule(
            "joined_list",
            {"contact_list": contact_list.pk, "start": date(2026, 3, 1), "end": date(2026, 3, 1)},
        )
    )
    assert ids(joined) == {b.pk}
    c.created_at = T0 - timedelta(days=400)
    c.save()
    created = make_segment(rule("created_between", {"start": None, "end": date(2025, 12, 31)}))
    assert ids(created) == {c.pk}
    assert ids(make_segment(rule("source", {"source": "import"}))) == {b.pk}
    Suppression.add(reason=Suppression.Reason.BOUNCED, email=a.email)
    assert ids(make_segment(rule("suppressed", {"suppressed": "yes"}))) == {a.pk}
    assert ids(make_segment(rule("suppressed", {"suppressed": "no"}))) == {b.pk, c.pk}


def test_custom_field_equals_through_the_blind_index(make_contact):
    brno = make_contact(custom_fields={"city": "Brno", "vip": True})
    make_contact(custom_fields={"city": "Praha"})
    segment = make_segment(rule("custom_field", {"key": "city", "value": "  BRNO "}))
    assert ids(segment) == {brno.pk}
    assert ids(make_segment(rule("custom_field", {"key": "vip", "value": "true"}))) == {brno.pk}
    brno.custom_fields = {"city": "Ostrava"}
    brno.save()
    assert ids(segment) == set()


def test_a_rule_on_a_deleted_purpose_or_list_does_not_crash(people, make_purpose, contact_list):
    gone = make_purpose("Gone")
    gone_id = gone.pk
    gone.delete()
    list_id = contact_list.pk
    contact_list.delete()
    everyone = {people["a"].pk, people["b"].pk, people["c"].pk}
    assert ids(make_segment(rule("has_purpose", {"purpose": gone_id}))) == set()
    assert ids(make_segment(rule("lacks_purpose", {"purpose": gone_id}))) == everyone
    assert ids(make_segment(rule("expires_within", {"purpose": gone_id, "days": 9}))) == set()
    assert ids(make_segment(rule("in_list", {"contact_list": list_id}))) == set()


def test_anonymised_contacts_are_in_no_segment(people):
    people["c"].anonymised_at = timezone.now()
    people["c"].save()
    assert ids(make_segment(rule("no_valid_purpose"))) == set()


def test_the_built_in_segments_ship(people):
    builtins = {s.builtin: s for s in Segment.objects.filter(builtin__isnull=False)}
    assert set(builtins) == {"no_valid_purpose", "expiring_30_days", "expired_30_days"}
    assert ids(builtins["no_valid_purpose"]) == {people["c"].pk}
    assert ids(builtins["expiring_30_days"]) == {people["b"].pk}
    assert ids(builtins["expired_30_days"], now=T0 + timedelta(days=11)) == {people["b"].pk}
