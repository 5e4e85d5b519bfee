"""The segment admin: editing with a live count, the matching contacts, snapshots,
the bulk form and its progress, each behind its permission."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import nested_form_data, streamfield

from tests.helpers.segments import make_segment, rule
from tests.helpers.users import make_user
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import (
    BulkOperation,
    ConsentRecord,
    Contact,
    ListMembership,
    Segment,
)
from wagtail_gdpr_mail.segments.filters import SegmentFilter
from wagtail_gdpr_mail.segments.views import url_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def form_data(purpose_id: int, **extra) -> dict:
    return nested_form_data(
        {
            "name": "Newsletter fans",
            "description": "",
            "kind": "dynamic",
            "match": "all",
            "rules": streamfield([("has_purpose", {"purpose": purpose_id})]),
            **extra,
        }
    )


def test_segments_sit_in_the_menu_group_with_the_built_ins(admin):
    body = admin.get(reverse(url_name("list"))).content.decode()
    assert "Has no valid purpose" in body
    assert "A purpose expires within 30 days" in body
    assert "Segments" in admin.get("/admin/").content.decode()


def test_create_a_segment_and_count_it_live(admin, make_contact, purpose):
    holder = make_contact("holder@example.com")
    make_contact("other@example.com")
    assign_purpose(holder, purpose, source="admin")
    counted = admin.post(reverse(url_name("live_count")), form_data(purpose.pk)).json()
    assert counted == {"count": 1, "text": "1 contact"}
    response = admin.post(reverse(url_name("add")), form_data(purpose.pk))
    assert response.status_code == 302
    segment = Segment.objects.get(name="Newsletter fans")
    listing = admin.get(reverse(url_name("contacts"), args=[segment.pk])).content.decode()
    assert "holder@example.com" in listing and "other@example.com" not in listing


def test_the_live_count_answers_half_edited_rules_without_an_error(admin):
    response = admin.post(reverse(url_name("live_count")), {"rules-count": "x", "match": "any"})
    assert response.status_code == 200


def test_the_live_count_needs_a_segment_permission(client, purpose):
    client.force_login(make_user("viewer", ["view_contact"]))
    response = client.post(reverse(url_name("live_count")), form_data(purpose.pk))
    assert response.status_code == 403


def test_a_static_segment_keeps_its_snapshot(admin, make_contact, purpose):
    first = make_contact()
    assign_purpose(first, purpose, source="admin")
    segment = make_segment(rule("has_purpose", {"purpose": purpose.pk}), kind="static")
    contacts_url = reverse(url_name("contacts"), args=[segment.pk])
    assert first.email not in admin.get(contacts_url).content.decode()
    admin.post(reverse(url_name("snapshot"), args=[segment.pk]))
    later = make_contact()
    assign_purpose(later, purpose, source="admin")
    listing = admin.get(contacts_url).content.decode()
    assert first.email in listing and later.email not in listing
    snapshot = segment.latest_snapshot()
    assert snapshot.size == 1 and list(snapshot.contacts.all()) == [first]
    assert ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.segment_snapshot").count() == 1


def test_segment_filter_for_the_contact_listing(make_contact, purpose):
    holder = make_contact()
    make_contact()
    assign_purpose(holder, purpose, source="admin")
    segment = make_segment(rule("has_purpose", {"purpose": purpose.pk}))
    segment_filter = SegmentFilter()
    assert list(segment_filter.filter(Contact.objects.all(), segment)) == [holder]
    assert segment_filter.filter(Contact.objects.all(), None).count() == 2


def test_bulk_assign_to_a_list_from_the_admin(
    admin, make_contact, purpose, contact_list, django_capture_on_commit_callbacks
):
    for contact in [make_contact() for _ in range(3)]:
        ListMembership.objects.create(contact=contact, contact_list=contact_list)
    url = f"{reverse(url_name('bulk'))}?list={contact_list.pk}"
    assert "3 contacts" in admin.get(url).content.decode()
    missing_note = admin.post(url, {"kind": "assign", "purpose": purpose.pk, "valid_from": "now"})
    assert missing_note.status_code == 200 and not BulkOperation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            url,
            {"kind": "assign", "purpose": purpose.pk, "valid_from": "joined", "note": "Trade fair"},
        )
    operation = BulkOperation.objects.get()
    assert response.url == reverse(url_name("bulk_progress"), args=[operation.pk])
    # Celery runs eagerly in the test project: the task ran on commit.
    status = admin.get(reverse(url_name("bulk_status"), args=[operation.pk])).json()
    assert status["finished"] and status["done"] == 3 and status["changed"] == 3
    records = ConsentRecord.objects.filter(purpose=purpose)
    assert records.count() == 3
    assert all(r.evidence["note"] == "Trade fair" for r in records)
    assert "progress" in admin.get(response.url).content.decode()


def test_bulk_views_need_assign_or_revoke(client, contact_list):
    client.force_login(make_user("viewer", ["view_contact"]))
    url = f"{reverse(url_name('bulk'))}?list={contact_list.pk}"
    assert client.get(url).status_code == 403


def test_the_contact_listing_bulk_action_starts_an_operation_for_the_selection(
    admin, make_contact, purpose, django_capture_on_commit_callbacks
):
    chosen = [make_contact(), make_contact()]
    make_contact()
    action = reverse(
        "wagtail_bulk_action", args=["wagtail_gdpr_mail", "contact", "gdpr_mail_purpose"]
    )
    url = f"{action}?id={chosen[0].pk}&id={chosen[1].pk}"
    assert "2 contacts selected" in admin.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            url, {"kind": "assign", "purpose": purpose.pk, "valid_from": "now", "note": "Phone"}
        )
    operation = BulkOperation.objects.get()
    assert response.url == reverse(url_name("bulk_progress"), args=[operation.pk])
    operation.refresh_from_db()
    assert (operation.target, operation.state, operation.changed) == ("selection", "done", 2)
    assert {a.contact_id for a in purpose.assignments.all()} == {c.pk for c in chosen}
