"""The record of processing activities holds what Art. 30(1) asks for, and its CSV files
open safely in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from tests.helpers.controller import make_agreement
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.legal.agreements import accept_agreement
from wagtail_gdpr_mail.legal.controller import get_controller, get_record_settings
from wagtail_gdpr_mail.legal.ropa import build_ropa
from wagtail_gdpr_mail.models import (
    Recipient,
    Subprocessor,
    TransferSafeguard,
)

ROPA_URL = "/admin/gdpr-mail/record-of-processing/"


def activity(ropa, name: str):
    return next(a for a in ropa.activities if a.purpose == name)


def command_csv() -> str:
    out = io.StringIO()
    call_command("gdpr_mail_ropa", "--format", "csv", stdout=out)
    return out.getvalue()


@pytest.fixture
def us_esp(db) -> Subprocessor:
    return Subprocessor.objects.create(
        name="Example Mail Inc.",
        service="Sending e-mail",
        data_categories="E-mail address.",
        country="US",
        transfer_safeguard=TransferSafeguard.SCC,
    )


def test_joint_controllers_are_recorded_apart_from_the_representative(admin_client, purpose):
    controller = get_controller()
    controller.controller_name = "Demo Shop s.r.o."
    controller.representative = "EU Rep GmbH, Berlin"
    controller.save()
    record = get_record_settings()
    record.site_id = controller.site_id
    record.joint_controllers = "Partner Shop a.s., Praha\nThird Shop s.r.o., Brno"
    record.save()

    ropa = build_ropa()
    assert ropa.as_dict()["joint_controllers"] == [
        "Partner Shop a.s., Praha",
        "Third Shop s.r.o., Brno",
    ]
    row = ropa.row(activity(ropa, "Newsletter"))
    assert row["joint_controllers"] == "Partner Shop a.s., Praha; Third Shop s.r.o., Brno"
    assert row["representative"] == "EU Rep GmbH, Berlin"
    html = admin_client.get(ROPA_URL).content.decode()
    assert "Partner Shop a.s., Praha" in html and "EU Rep GmbH, Berlin" in html


def test_data_subjects_per_activity_and_categories_from_the_forms(make_purpose, contact):
    newsletter = make_purpose("Newsletter", data_subjects="Newsletter subscribers")
    customers = make_purpose("Order updates")
    publish_test_page([form_value(main=newsletter, ask_last_name=False)])
    assign_purpose(contact, customers, source="import")

    ropa = build_ropa()
    assert activity(ropa, "Newsletter").data_subjects == "Newsletter subscribers"
    assert activity(ropa, "Order updates").data_subjects.startswith("Contacts")
    categories = activity(ropa, "Newsletter").data_categories
    assert "E-mail address" in categories and "First name" in categories
    assert "Last name" not in categories
    assert "imported" in activity(ropa, "Order updates").data_categories


def test_authorities_can_be_recorded_as_recipients(purpose):
    police = Recipient.objects.create(
        name="Police of the Czech Republic",
        kind=Recipient.Kind.AUTHORITY,
        reason="On request, where the law obliges us.",
        country="CZ",
    )
    police.purposes.add(purpose)
    ropa = build_ropa()
    (recipient,) = activity(ropa, "Newsletter").recipients
    assert recipient.name == "Police of the Czech Republic"
    assert recipient.kind == "authority" and not recipient.leaves_eea
    assert "Public authority" in ropa.row(activity(ropa, "Newsletter"))["recipients"]


def test_a_transfer_without_an_accepted_agreement_is_flagged(
    admin_client, admin_user, purpose, us_esp
):
    ropa = build_ropa()
    assert [r.name for r in ropa.flagged_transfers] == ["Example Mail Inc."]
    assert "WARNING" in ropa.row(activity(ropa, "Newsletter"))["transfers"]
    assert ropa.as_dict()["processing_activities"][0]["transfers"][0]["flagged"] is True
    assert "data-ropa-flagged" in admin_client.get(ROPA_URL).content.decode()

    agreement = make_agreement(controller_details="Demo Shop s.r.o., Brno")
    us_esp.agreement = agreement
    us_esp.save()
    assert [r.name for r in build_ropa().flagged_transfers] == ["Example Mail Inc."]
    accept_agreement(agreement, admin_user)
    assert build_ropa().flagged_transfers == []


def test_proof_of_consent_has_its_own_retention(make_purpose):
    make_purpose("Newsletter")
    record = get_record_settings()
    record.proof_retention = "4 years after the consent ends"
    record.save()
    ropa = build_ropa()
    newsletter = activity(ropa, "Newsletter")
    assert newsletter.retention == "3 years"
    assert newsletter.proof_retention == "4 years after the consent ends"
    assert ropa.row(newsletter)["proof_retention"] == "4 years after the consent ends"


def test_the_apps_own_processing_is_listed(purpose):
    names = [a.purpose for a in build_ropa().activities if a.kind == "app"]
    assert names == [
        "Confirming sign-ups (double opt-in)",
        "Suppression list",
        "Handling e-mail delivery events",
        "Answering data-subject requests",
        "Audit log",
    ]
    text = command_csv()
    assert "Suppression list" in text and "Audit log" in text


def test_csv_starts_with_a_bom_and_formula_cells_are_text(admin_client, make_purpose):
    make_purpose('=HYPERLINK("https://evil.example","Click")', visitor_text="@SUM(1+1)")
    make_purpose("Čtvrtletník")

    for text in (
        command_csv(),
        b"".join(admin_client.get(ROPA_URL, {"export": "csv"}).streaming_content).decode(),
    ):
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        cells = [cell for row in rows for cell in row]
        assert '\'=HYPERLINK("https://evil.example","Click")' in cells
        assert "'@SUM(1+1)" in cells
        assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
        assert any(cell == "Čtvrtletník" for cell in cells)
