"""Who may export, erase and correct contacts, and what the audit log says about it (no
personal data).
"""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.helpers.rights import (
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    LISTING,
    assert_valid_export,
    bulk_url,
    edit_form,
    edit_url,
    erase_url,
    export_url,
    inspect_url,
    logged_in,
    personal_data_in,
)
from tests.helpers.users import make_user
from wagtail_gdpr_mail.models import (
    Contact,
    Suppression,
)

# --- Permissions ---------------------------------------------------------------------------


def test_without_the_rights_permissions_an_editor_can_neither_export_nor_erase(person):
    contact = person.contact
    editor = make_user("plain-editor", ["view_contact", "change_contact", "view_consent_proof"])
    client = logged_in(editor)

    detail = client.get(inspect_url(contact))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "data-gdpr-mail-export" not in html
    assert "data-gdpr-mail-erase" not in html
    assert export_url(contact) not in html and erase_url(contact) not in html

    assert client.get(export_url(contact)).status_code == 403
    assert client.get(erase_url(contact)).status_code == 403
    for mode in ("anonymise", "delete"):
        assert client.post(erase_url(contact), {"mode": mode}).status_code == 403
    response = client.post(bulk_url("delete", contact), {"mode": "delete"})
    assert response.status_code == 403, (
        f"bulk erase without erase_contact answered {response.status_code}"
    )

    contact.refresh_from_db()
    assert contact.email == EMAIL and not contact.is_anonymised
    assert not Suppression.objects.exists()
    assert not ModelLogEntry.objects.filter(
        action__in=["wagtail_gdpr_mail.export", "wagtail_gdpr_mail.erase"]
    ).exists()


def test_bulk_erase_without_permission_erases_nothing(person):
    """Whatever the status code: nothing is erased, nothing suppressed."""
    editor = make_user("plain-editor", ["view_contact", "change_contact"])
    logged_in(editor).post(bulk_url("delete", person.contact), {"mode": "delete"})
    person.contact.refresh_from_db()
    assert person.contact.email == EMAIL
    assert not Suppression.objects.exists()


def test_each_rights_permission_brings_its_button_and_action(person):
    contact = person.contact
    exporter = logged_in(make_user("exporter", ["view_contact", "export_contact"]))
    eraser = logged_in(make_user("eraser", ["view_contact", "erase_contact"]))

    html = exporter.get(inspect_url(contact)).content.decode()
    assert "data-gdpr-mail-export" in html and "data-gdpr-mail-erase" not in html
    html = eraser.get(inspect_url(contact)).content.decode()
    assert "data-gdpr-mail-erase" in html and "data-gdpr-mail-export" not in html

    download = exporter.get(export_url(contact))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert download["Content-Disposition"].startswith("attachment;")
    assert EMAIL not in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    data = json.loads(download.content)
    assert data["contact"]["email"] == EMAIL
    assert_valid_export(data)
    assert exporter.get(erase_url(contact)).status_code == 403
    assert eraser.get(export_url(contact)).status_code == 403

    page = eraser.get(erase_url(contact))
    assert page.status_code == 200
    assert 'value="anonymise"' in page.content.decode()
    contact.refresh_from_db()
    assert not contact.is_anonymised  # opening the page erases nothing
    # No mode chosen: nothing happens.
    assert eraser.post(erase_url(contact), {}).status_code == 200
    contact.refresh_from_db()
    assert not contact.is_anonymised

    bulk_page = eraser.get(bulk_url("delete", contact))
    assert bulk_page.status_code == 200
    response = eraser.post(bulk_url("delete", contact), {"mode": "anonymise"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_anonymised


def test_the_generic_delete_of_a_contact_is_not_available(person, superuser):
    contact = person.contact
    admin = logged_in(superuser)
    html = admin.get(inspect_url(contact)).content.decode()
    delete_path = f"{LISTING}delete/{contact.pk}/"
    assert delete_path not in html
    for method in ("get", "post"):
        response = getattr(admin, method)(delete_path)
        assert response.status_code in (302, 403, 404), (method, response.status_code)
    # For contacts the bulk "delete" is the erasure: without a chosen mode it only
    # shows its confirmation form again.
    response = admin.post(bulk_url("delete", contact))
    assert response.status_code == 200
    assert 'name="mode"' in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk, anonymised_at__isnull=True).exists()
    assert not Suppression.objects.exists()


# --- The audit log --------------------------------------------------------------------------


def assert_no_personal_data_in_log(entry: ModelLogEntry) -> None:
    text = f"{entry.label}\n{json.dumps(entry.data)}\n{json.dumps(entry.data, ensure_ascii=False)}"
    assert personal_data_in(text) == [], (entry.action, entry.label, entry.data)


def test_exports_and_erasures_are_logged_without_personal_data(person, make_contact, superuser):
    contact = person.contact
    rights = make_user("rights-officer", ["view_contact", "export_contact", "erase_contact"])
    client = logged_in(rights)

    assert client.get(export_url(contact)).status_code == 200
    call_command("gdpr_mail_export", EMAIL, stdout=StringIO())
    assert client.post(erase_url(contact), {"mode": "anonymise"}).status_code == 302
    second = make_contact("second@example.com", first_name=FIRST_NAME, last_name=LAST_NAME)
    assert client.post(bulk_url("delete", second), {"mode": "delete"}).status_code == 302

    exports = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.export").order_by("pk")
    assert [(e.object_id, e.user_id) for e in exports] == [
        (str(contact.pk), rights.pk),
        (str(contact.pk), None),
    ]
    erasures = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.erase").order_by("pk")
    assert [(e.object_id, e.user_id, e.data) for e in erasures] == [
        (str(contact.pk), rights.pk, {"mode": "anonymise"}),
        (str(second.pk), rights.pk, {"mode": "delete"}),
    ]
    for entry in ModelLogEntry.objects.all():
        assert_no_personal_data_in_log(entry)
    # The contact's history in the admin names the actions, and no more.
    history = logged_in(superuser).get(
        reverse("wagtailsnippets_wagtail_gdpr_mail_contact:history", args=[contact.pk])
    )
    assert history.status_code == 200
    body = history.content.decode()
    assert "Contact exported" in body and "Contact erased" in body
    assert personal_data_in(body) == []


# --- Rectification ----------------------------------------------------------------------------


def test_rectification_is_audited_by_field_name_without_values(person):
    contact = person.contact
    editor = make_user("corrector", ["view_contact", "change_contact"])
    client = logged_in(editor)
    response = client.post(
        edit_url(contact), {**edit_form(client, contact), "first_name": "Zdenka"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact.refresh_from_db()
    assert contact.first_name == "Zdenka"

    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.rectify")
    assert entry.object_id == str(contact.pk)
    assert entry.user_id == editor.pk
    assert entry.data == {"fields": ["first_name"]}
    text = f"{entry.label} {json.dumps(entry.data)} {json.dumps(entry.data, ensure_ascii=False)}"
    assert "Zdenka" not in text and personal_data_in(text) == []

    # Saving without a change writes no rectification.
    response = client.post(edit_url(contact), edit_form(client, contact))
    assert response.status_code == 302
    assert ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.rectify").count() == 1
    for entry in ModelLogEntry.objects.all():
        assert "zdenka" not in f"{entry.label} {json.dumps(entry.data)}".lower()
