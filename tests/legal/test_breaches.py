"""The breach register (Art. 33(5)): entries with revisions, the 72-hour clock on the
dashboard, the affected contacts as a segment, the export for the authority."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.helpers.segments import make_segment, rule
from tests.helpers.users import make_user
from wagtail_gdpr_mail.models import Breach, BreachRisk, SegmentKind
from wagtail_gdpr_mail.segments.rules import segment_contacts
from wagtail_gdpr_mail.segments.snapshots import take_snapshot

DASHBOARD = "/admin/"


def url(name: str, *args) -> str:
    return reverse(Breach.snippet_viewset.get_url_name(name), args=args)


def local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def form(**fields) -> dict:
    data = {
        "title": "Lost laptop of the sales team",
        "discovered_at": local(timezone.now()),
        "description": "A laptop with an unencrypted export of the newsletter list was lost.",
        "data_categories": "E-mail addresses, names",
        "subject_categories": "Newsletter subscribers",
        "approx_subjects": "120",
        "approx_records": "120",
        "consequences": "Phishing mail to the people on the list.",
        "measures": "Remote wipe requested; passwords rotated.",
        "risk": BreachRisk.RISK,
        "subjects_informed_how": "",
        "delay_reasons": "",
        "authority_reference": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def dpo_user(db):
    return make_user("dpo", ["add_breach", "change_breach", "view_breach", "add_segment"])


def record(**fields) -> Breach:
    values = {
        "title": "Misdirected export",
        "description": "An export was mailed to the wrong address.",
        "risk": BreachRisk.RISK,
    }
    values.update(fields)
    breach = Breach.objects.create(**values)
    breach.save_revision(log_action=False)
    return breach


@pytest.mark.django_db
def test_an_editor_records_a_breach_and_each_save_keeps_a_revision(client, dpo_user):
    client.force_login(dpo_user)
    response = client.post(url("add"), form())
    assert response.status_code == 302, response.content.decode()[:3000]
    breach = Breach.objects.get()
    assert breach.revisions.count() == 1

    response = client.post(url("edit", breach.pk), form(measures="Laptop found and wiped."))
    assert response.status_code == 302
    assert breach.revisions.count() == 2
    assert Breach.objects.get().measures == "Laptop found and wiped."

    listing = client.get(url("list")).content.decode()
    assert "Lost laptop of the sales team" in listing
    assert "left" in listing  # the 72-hour clock runs


@pytest.mark.django_db
def test_late_notification_needs_reasons_and_a_time(client, dpo_user):
    client.force_login(dpo_user)
    found = timezone.now() - timedelta(days=5)
    response = client.post(
        url("add"),
        form(
            discovered_at=local(found),
            authority_notified="on",
            authority_notified_at=local(found + timedelta(hours=80)),
        ),
    )
    assert response.status_code == 200
    assert "give the reasons for the delay" in response.content.decode()
    response = client.post(url("add"), form(authority_notified="on"))
    assert "Say when the authority was notified." in response.content.decode()
    response = client.post(url("add"), form(subjects_informed="on"))
    assert "Say when the people were told." in response.content.decode()
    assert not Breach.objects.exists()

    response = client.post(
        url("add"),
        form(
            discovered_at=local(found),
            authority_notified="on",
            authority_notified_at=local(found + timedelta(hours=80)),
            delay_reasons="The scope was unclear until the processor reported back.",
        ),
    )
    assert response.status_code == 302
    assert Breach.objects.get().notified_late


@pytest.mark.django_db
def test_the_dashboard_counts_down_the_72_hours(client, dpo_user, clock):
    breach = record(discovered_at=clock.now)
    record(title="Harmless", risk=BreachRisk.UNLIKELY, discovered_at=clock.now)
    client.force_login(dpo_user)

    page = client.get(DASHBOARD).content.decode()
    assert "data-gdpr-mail-breach-clock" in page
    assert f'data-gdpr-mail-breach="{breach.pk}"' in page
    assert "Harmless" not in page  # unlikely to result in a risk: nothing to notify
    assert "72 h 0 min left" in page

    clock.advance(hours=70, minutes=30)
    assert "1 h 30 min left" in client.get(DASHBOARD).content.decode()
    clock.advance(hours=3)
    page = client.get(DASHBOARD).content.decode()
    assert "overdue by 1 h 30 min" in page and "data-overdue" in page

    breach.authority_notified, breach.authority_notified_at = True, clock.now
    breach.delay_reasons = "Found out the scope late."
    breach.save()
    assert "data-gdpr-mail-breach-clock" not in client.get(DASHBOARD).content.decode()


@pytest.mark.django_db
def test_editors_without_the_register_do_not_see_the_clock(client):
    record()
    client.force_login(make_user("viewer2", ["view_contact"]))
    assert "data-gdpr-mail-breach-clock" not in client.get(DASHBOARD).content.decode()


@pytest.mark.django_db
def test_the_affected_contacts_are_a_static_segment(client, dpo_user, make_contact, contact_list):
    from wagtail_gdpr_mail.models import ListMembership

    leaked = [make_contact() for _ in range(3)]
    make_contact()  # not on the leaked list
    for contact in leaked:
        ListMembership.objects.create(contact=contact, contact_list=contact_list)
    segment = make_segment(
        rule("in_list", {"contact_list": contact_list.pk}),
        name="Breach #1: affected",
        kind=SegmentKind.STATIC,
    )
    take_snapshot(segment)
    # Someone joins the list later: not affected, and not in the frozen segment.
    ListMembership.objects.create(contact=make_contact(), contact_list=contact_list)
    breach = record(affected_segment=segment)

    assert set(segment_contacts(segment)) == set(leaked)
    client.force_login(dpo_user)
    data = json.loads(client.get(url("json", breach.pk)).content)
    assert data["affected_contacts_in_segment"] == 3


@pytest.mark.django_db
def test_the_export_for_the_authority(client, dpo_user, make_contact, controller):
    contact = make_contact("leaked.person@example.com")
    segment = make_segment(rule("source", {"source": contact.source}), name="Affected")
    found = timezone.now() - timedelta(hours=10)
    breach = record(
        discovered_at=found,
        approx_subjects=1,
        affected_segment=segment,
        authority_notified=True,
        authority_notified_at=found + timedelta(hours=5),
        subjects_informed=True,
        subjects_informed_at=found + timedelta(hours=6),
        subjects_informed_how="An e-mail campaign to the affected segment.",
    )
    client.force_login(dpo_user)

    response = client.get(url("json", breach.pk))
    assert response["Content-Disposition"] == f'attachment; filename="breach-{breach.pk}.json"'
    data = json.loads(response.content)
    assert data["title"] == "Misdirected export"
    assert data["notified_within_72_hours"] is True
    assert data["notification_deadline"] == (found + timedelta(hours=72)).isoformat()
    assert data["subjects_informed_how"] == "An e-mail campaign to the affected segment."
    assert data["controller"]["piiController"] == "Demo Shop s.r.o."
    assert len(data["revisions"]) == 1
    assert "leaked.person" not in response.content.decode()

    printable = client.get(url("print", breach.pk))
    assert printable.status_code == 200
    html = printable.content.decode()
    assert "Misdirected export" in html and "Article 33(5)" in html
    assert "An e-mail campaign to the affected segment." in html
    assert "<script" not in html and "<style" not in html

    inspect = client.get(url("inspect", breach.pk)).content.decode()
    assert url("print", breach.pk) in inspect and url("json", breach.pk) in inspect


@pytest.mark.django_db
def test_the_exports_need_a_permission_on_the_register(client):
    breach = record()
    client.force_login(make_user("nobody", ["view_contact"]))
    assert client.get(url("json", breach.pk)).status_code in (302, 403)
    assert client.get(url("print", breach.pk)).status_code in (302, 403)
