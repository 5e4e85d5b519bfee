"""Access monitoring: an editor who opens many contacts, exports in bulk or from a new IP
address makes the DPO and the admins get a mail at once (once per window), without any
contact's data in it; the admin report shows access by user and day."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.helpers.controller import DEMO_SHOP, configure_controller
from tests.helpers.users import make_user
from wagtail_gdpr_mail import audit
from wagtail_gdpr_mail.models import AccessAlert, AlertKind, Contact, KnownAccessAddress
from wagtail_gdpr_mail.monitoring.alerts import raise_alert, window_start

ADMINS = [("Site admin", "admin@example.com")]
REPORT = "/admin/gdpr-mail/access-report/"


@pytest.fixture(autouse=True)
def monitoring_settings(settings, db):
    settings.ADMINS = ADMINS
    settings.WAGTAIL_GDPR_MAIL_ALERT_CONTACT_VIEWS = 3
    settings.WAGTAIL_GDPR_MAIL_ALERT_EXPORTS = 2
    configure_controller(**DEMO_SHOP)


@pytest.fixture
def snoop(db):
    return make_user("snoop", ["view_contact", "export_contact"])


def inspect_url(contact: Contact) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("inspect"), args=[contact.pk])


def export_url(contact: Contact) -> str:
    return reverse(Contact.snippet_viewset.get_url_name("export"), args=[contact.pk])


def alert_mails() -> list:
    return [m for m in mail.outbox if m.subject.startswith("Access alert")]


def open_contacts(client, contacts, capture) -> None:
    for contact in contacts:
        with capture(execute=True):
            assert client.get(inspect_url(contact)).status_code == 200


@pytest.mark.django_db
def test_many_contacts_opened_within_the_hour_alert_once_per_window(
    client, snoop, make_contact, clock, django_capture_on_commit_callbacks
):
    clock.now = clock.now.replace(minute=1, second=0)  # early in a window
    contacts = [make_contact() for _ in range(6)]
    client.force_login(snoop)

    open_contacts(client, contacts[:3], django_capture_on_commit_callbacks)
    assert alert_mails() == []  # three is the limit, not over it

    open_contacts(client, contacts[3:4], django_capture_on_commit_callbacks)
    (message,) = alert_mails()
    assert sorted(message.to) == ["admin@example.com", "dpo@example.com"]
    assert "snoop" in message.subject
    assert "opened 4 contacts within 60 minutes" in message.body
    assert REPORT in message.body
    for contact in contacts:  # nothing of the contacts themselves
        assert contact.email not in message.body
    assert "Nováková" not in message.body

    clock.advance(minutes=5)
    open_contacts(client, contacts[4:], django_capture_on_commit_callbacks)
    assert len(alert_mails()) == 1  # de-duplicated within the window

    clock.advance(hours=2)  # a quiet stretch: the count starts again
    open_contacts(client, contacts[:3], django_capture_on_commit_callbacks)
    assert len(alert_mails()) == 1
    open_contacts(client, contacts[3:4], django_capture_on_commit_callbacks)
    assert len(alert_mails()) == 2
    assert AccessAlert.objects.filter(kind=AlertKind.VIEWS).count() == 2


@pytest.mark.django_db
def test_an_export_from_a_new_address_alerts(
    client, snoop, make_contact, clock, django_capture_on_commit_callbacks, settings
):
    settings.WAGTAIL_GDPR_MAIL_ALERT_EXPORTS = 10
    contact = make_contact()
    client.force_login(snoop)

    def export(ip: str) -> None:
        clock.advance(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(export_url(contact), REMOTE_ADDR=ip).status_code == 200

    export("192.0.2.10")  # the first export records its address
    export("192.0.2.10")
    assert alert_mails() == []
    export("198.51.100.7")
    (message,) = alert_mails()
    assert "not exported from before" in message.body
    assert "198.51.100.7" not in message.body
    # Only keyed hashes of the addresses are kept.
    hashes = list(KnownAccessAddress.objects.values_list("address_hash", flat=True))
    assert len(hashes) == 2 and not any("192.0.2" in h or "198.51" in h for h in hashes)


@pytest.mark.django_db
def test_many_single_exports_alert(
    client, snoop, make_contact, clock, django_capture_on_commit_callbacks
):
    contacts = [make_contact() for _ in range(3)]
    client.force_login(snoop)
    for contact in contacts:
        with django_capture_on_commit_callbacks(execute=True):
            client.get(export_url(contact), REMOTE_ADDR="192.0.2.10")
    (message,) = alert_mails()
    assert "exported 3 contacts one by one" in message.body


@pytest.mark.django_db
def test_any_bulk_export_alerts(snoop, make_contact, django_capture_on_commit_callbacks):
    contacts = [make_contact() for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        audit.log_many(contacts, audit.EXPORT, user=snoop)
    with django_capture_on_commit_callbacks(execute=True):
        audit.log_action(contacts[0], audit.EXPORT_BULK, user=snoop, data={"count": 500})
    (message,) = alert_mails()  # one per window
    assert "exported 2 contacts at once" in message.body


@pytest.mark.django_db
def test_visitors_and_tasks_are_not_monitored(make_contact, django_capture_on_commit_callbacks):
    contact = make_contact()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            audit.log_action(contact, audit.VIEW_CONTACT, user=None)
        audit.log_action(contact, audit.EXPORT_BULK, user=None, data={"count": 9})
    assert not AccessAlert.objects.exists()


@pytest.mark.django_db
def test_two_processes_crossing_the_threshold_make_one_alert(snoop, clock):
    assert raise_alert(snoop, AlertKind.VIEWS, 4, clock.now) is not None
    assert raise_alert(snoop, AlertKind.VIEWS, 5, clock.now) is None
    assert window_start(clock.now) <= clock.now


@pytest.mark.django_db
def test_without_anyone_to_tell_the_alert_is_kept_and_logged(settings, snoop, clock, caplog):
    settings.ADMINS = []
    configure_controller(dpo_email="")
    alert = raise_alert(snoop, AlertKind.BULK_EXPORT, 10, clock.now)
    assert alert.mail_status == "failed"
    assert "has nobody to go to" in caplog.text


@pytest.mark.django_db
def test_the_report_of_access_by_user_and_day(
    client, snoop, make_contact, clock, django_capture_on_commit_callbacks
):
    contacts = [make_contact() for _ in range(2)]
    for contact in contacts:
        audit.log_action(contact, audit.VIEW_CONTACT, user=snoop)
    audit.log_action(contacts[0], audit.EXPORT, user=snoop, ip="192.0.2.1")
    audit.log_action(contacts[0], audit.EXPORT_BULK, user=snoop, data={"count": 40})

    auditor = make_user("auditor", ["view_access_report"])
    client.force_login(auditor)
    response = client.get(REPORT)
    assert response.status_code == 200
    rows = response.context["object_list"]
    (row,) = [r for r in rows if r.user == "snoop"]
    assert (row.views, row.exports, row.erasures) == (2, 41, 0)
    assert row.day == timezone.localdate(clock.now)
    html = response.content.decode()
    assert "Bulk export" in html  # the alert is listed
    assert contacts[0].email not in html

    csv = b"".join(client.get(REPORT + "?export=csv").streaming_content).decode()
    assert "snoop" in csv and "41" in csv


@pytest.mark.django_db
def test_the_report_needs_its_permission(client, snoop):
    client.force_login(snoop)
    assert client.get(REPORT).status_code in (302, 403)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editors_crossing_the_threshold_at_once_from_many_threads_make_one_alert(
    snoop, make_contact
):
    from tests.helpers.races import race

    contacts = [make_contact() for _ in range(8)]
    for contact in contacts[:3]:
        audit.log_action(contact, audit.VIEW_CONTACT, user=snoop)
    # Five more views land at the same moment, each over the limit of three.
    results = race(5, lambda i: audit.log_action(contacts[3 + i], audit.VIEW_CONTACT, user=snoop))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert AccessAlert.objects.filter(kind=AlertKind.VIEWS).count() == 1
    assert len(alert_mails()) == 1
