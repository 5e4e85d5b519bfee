"""Legal paperwork: controller settings, processing agreements and their acceptance,
sub-processors and transfers, the Art. 30 record, and legal bases that are in use."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry, Page, ReferenceIndex, Site
from wagtail.rich_text import RichText
from wagtail.test.utils.form_data import rich_text

from tests.helpers.controller import make_agreement
from tests.helpers.users import make_user
from tests.test_project.models import TestPage
from wagtail_gdpr_mail.legal.adequacy import adequacy_as_of, adequacy_for, is_in_eea
from wagtail_gdpr_mail.legal.controller import get_controller
from wagtail_gdpr_mail.legal.ropa import build_ropa
from wagtail_gdpr_mail.models import (
    DataProcessingAgreement,
    DpaAcceptance,
    LegalBasis,
    Subprocessor,
    TransferSafeguard,
)

ROPA_URL = "/admin/gdpr-mail/record-of-processing/"


def dpa_url(name: str, agreement: DataProcessingAgreement) -> str:
    return reverse(DataProcessingAgreement.snippet_viewset.get_url_name(name), args=[agreement.pk])


@pytest.fixture
def agreement(controller) -> DataProcessingAgreement:
    return make_agreement()


@pytest.fixture
def us_esp(agreement) -> Subprocessor:
    return Subprocessor.objects.create(
        name="Example Mail Inc.",
        service="Sending e-mail",
        data_categories="E-mail address, first name.",
        country="US",
        transfer_safeguard=TransferSafeguard.SCC,
        agreement=agreement,
    )


@pytest.fixture
def eu_host(db) -> Subprocessor:
    return Subprocessor.objects.create(
        name="Example Hosting s.r.o.",
        service="Hosting",
        data_categories="Everything, encrypted.",
        country="CZ",
        transfer_safeguard=TransferSafeguard.NONE_NEEDED,
    )


def edit_data(agreement: DataProcessingAgreement, **changes) -> dict:
    data = {**agreement.content(), **changes}
    data["effective_date"] = data["effective_date"] or ""
    data["further_terms"] = rich_text(data["further_terms"] or "<p></p>")
    return data


# --- The record of processing activities ---------------------------------------------


def test_ropa_command_writes_csv_to_a_file(purpose, us_esp, eu_host, tmp_path):
    target = tmp_path / "ropa.csv"
    call_command("gdpr_mail_ropa", "--format", "csv", "--output", str(target), stderr=io.StringIO())

    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert rows[0]["Purpose of processing"] == "Newsletter"
    row = rows[0]
    assert row["Legal basis"] == "Consent (Art. 6(1)(a) GDPR)"
    assert row["Time limit for erasure"] == "3 years"
    assert "Example Mail Inc." in row["Recipients"]
    assert "Example Hosting s.r.o." in row["Recipients"]
    assert (
        "Example Mail Inc. → United States of America: Standard contractual clauses"
        in row["Transfers outside the EU/EEA"]
    )
    assert "Example Hosting" not in row["Transfers outside the EU/EEA"]
    assert row["Controller"].startswith("Demo Shop s.r.o., company ID 12345678")
    assert row["Data protection officer"] == "Jan Dvořák, dpo@example.com"


def test_a_subprocessor_limited_to_some_purposes_is_a_recipient_of_those_only(
    make_purpose, us_esp, eu_host
):
    newsletter, invoices = make_purpose("Newsletter"), make_purpose("Invoices")
    us_esp.purposes.add(newsletter)

    activities = {a.purpose: a for a in build_ropa().activities}

    assert [r.name for r in activities["Newsletter"].recipients] == [
        "Example Hosting s.r.o.",
        "Example Mail Inc.",
    ]
    assert [r.name for r in activities["Invoices"].recipients] == ["Example Hosting s.r.o."]
    assert invoices.pk == activities["Invoices"].purpose_id


def test_ropa_report_shows_purposes_and_exports_xlsx_and_csv(admin_client, purpose, us_esp):
    page = admin_client.get(ROPA_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Newsletter" in html
    assert "Demo Shop s.r.o." in html
    assert "?export=xlsx" in html

    xlsx = admin_client.get(ROPA_URL, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Purpose of processing"
    assert rows[1][0] == "Newsletter"
    assert "Standard contractual clauses" in rows[1][9]

    export = admin_client.get(ROPA_URL, {"export": "csv"})
    assert export.status_code == 200
    assert "attachment" in export["Content-Disposition"]
    assert export["Content-Disposition"].endswith('.csv"')
    text = b"".join(export.streaming_content).decode()
    assert "Newsletter" in text
    assert "Consent (Art. 6(1)(a) GDPR)" in text


def test_ropa_report_needs_a_permission_on_purposes(client, purpose):
    client.force_login(make_user("nobody", []))
    response = client.get(ROPA_URL)
    assert response.status_code in (302, 403)
    assert "Newsletter" not in response.content.decode()

    client.force_login(make_user("purpose_viewer", ["view_processingpurpose"]))
    assert client.get(ROPA_URL).status_code == 200


# --- Sub-processors and transfers ------------------------------------------------------


def test_us_subprocessor_leaves_the_eu_on_standard_contractual_clauses(us_esp, eu_host):
    assert us_esp.leaves_eea is True
    assert us_esp.country_name == "United States of America"
    assert us_esp.transfer_basis == "Standard contractual clauses (Art. 46(2)(c))"
    assert us_esp.transfer_problem() is None
    us_esp.full_clean()

    assert eu_host.leaves_eea is False
    assert "stays in the EU/EEA" in eu_host.transfer_basis


def test_us_adequacy_is_partial_and_needs_certification(us_esp):
    assert adequacy_for("US").status == "partial"
    assert "Data Privacy Framework" in adequacy_for("US").scope

    us_esp.transfer_safeguard = TransferSafeguard.ADEQUACY
    with pytest.raises(ValidationError) as error:
        us_esp.full_clean()
    assert "covers only some recipients" in str(error.value)

    us_esp.within_adequacy_scope = True  # certified under the EU-US DPF
    us_esp.full_clean()
    assert us_esp.transfer_basis == "Adequacy decision (Art. 45)"


def test_transfer_without_safeguard_to_a_country_without_adequacy_is_refused(db):
    subprocessor = Subprocessor(
        name="SMS Gateway Pvt Ltd",
        service="SMS",
        data_categories="Phone number.",
        country="IN",
        transfer_safeguard=TransferSafeguard.NONE_NEEDED,
    )
    with pytest.raises(ValidationError) as error:
        subprocessor.full_clean()
    assert "India" in str(error.value)
    assert subprocessor.transfer_basis == "No valid safeguard"


def test_adequacy_list_is_dated_and_knows_the_eea():
    assert date.fromisoformat(adequacy_as_of()) <= date.today()
    assert is_in_eea("CZ") and is_in_eea("NO") and is_in_eea("de")
    assert not is_in_eea("CH") and not is_in_eea("GB") and not is_in_eea("US")
    assert adequacy_for("CH").status == "full"
    assert adequacy_for("IN").status == "none"
    assert adequacy_for("FR").status == "eea"


def test_subprocessor_list_block_renders_the_register_on_a_public_page(client, us_esp, eu_host):
    root = Site.objects.get(is_default_site=True).root_page
    page = TestPage(
        title="Sub-processors",
        slug="sub-processors",
        body=[
            (
                "subprocessors",
                {
                    "heading": "Who processes your data",
                    "intro": RichText("<p>They work for us.</p>"),
                    "show_data_categories": True,
                },
            )
        ],
    )
    root.add_child(instance=page)
    page.save_revision().publish()

    response = client.get(page.url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Who processes your data" in html
    assert "Example Mail Inc." in html and "United States of America" in html
    assert "Example Hosting s.r.o." in html and "Czechia" in html
    assert f'data-subprocessor="{us_esp.pk}"' in html
    row = html.split(f'data-subprocessor="{us_esp.pk}"')[1].split("</tr>")[0]
    assert 'data-leaves-eea="yes"' in row
    assert "Standard contractual clauses" in row
    # The DPO's contact details belong to the privacy policy, not to this register.
    assert "dpo@example.com" not in html


def test_subprocessor_admin_lists_transfers(admin_client, us_esp):
    url = reverse(Subprocessor.snippet_viewset.get_url_name("list"))
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Example Mail Inc." in response.content.decode()
    assert "Standard contractual clauses" in response.content.decode()


# --- Data processing agreements ---------------------------------------------------------


def test_accept_then_edit_shows_new_version_not_accepted_and_keeps_old_acceptance(
    admin_client, agreement
):
    inspect = admin_client.get(dpa_url("inspect", agreement))
    assert inspect.status_code == 200
    assert 'data-dpa-status="not-accepted"' in inspect.content.decode()

    response = admin_client.post(
        dpa_url("accept", agreement), {"content_hash": agreement.content_hash}
    )
    assert response.status_code == 302
    first = DpaAcceptance.objects.get()
    assert first.revision_id == agreement.latest_revision_id
    assert first.content_hash == agreement.content_hash
    assert len(first.content_hash) == 64
    assert first.accepted_by.username == "admin"
    assert first.matches_revision()
    assert (
        'data-dpa-status="accepted"'
        in admin_client.get(dpa_url("inspect", agreement)).content.decode()
    )

    # An editor changes the text: the new version is not accepted.
    response = admin_client.post(
        dpa_url("edit", agreement),
        edit_data(agreement, duration="Until 31 December 2030."),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.duration == "Until 31 December 2030."
    assert agreement.latest_revision_id != first.revision_id
    assert not agreement.is_accepted

    html = admin_client.get(dpa_url("inspect", agreement)).content.decode()
    assert 'data-dpa-status="not-accepted"' in html
    assert f'data-acceptance="{first.pk}"' in html
    assert "No, an earlier version" in html
    assert DpaAcceptance.objects.filter(pk=first.pk).exists()

    # Accepting the new version adds a record; the old one stays.
    admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})
    assert DpaAcceptance.objects.count() == 2
    assert agreement.is_accepted
    assert agreement.current_acceptance().revision_id == agreement.latest_revision_id


def test_accepting_an_already_accepted_version_records_nothing_new(admin_client, agreement):
    for _ in range(2):
        admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})
    assert DpaAcceptance.objects.count() == 1


def test_accepting_a_text_that_changed_meanwhile_is_refused(admin_client, agreement):
    shown_hash = agreement.content_hash
    agreement.duration = "Changed by someone else."
    agreement.save()
    agreement.save_revision(log_action=False)

    response = admin_client.post(dpa_url("accept", agreement), {"content_hash": shown_hash})

    assert response.status_code == 302
    assert not DpaAcceptance.objects.exists()


def test_accept_is_post_only_with_csrf_and_permission(agreement):
    url = dpa_url("accept", agreement)
    viewer = make_user("dpa_viewer", ["view_dataprocessingagreement"])
    signer = make_user(
        "dpa_signer", ["view_dataprocessingagreement", "accept_dataprocessingagreement"]
    )

    client = Client(enforce_csrf_checks=True)
    client.force_login(signer)
    assert client.get(url).status_code == 405
    assert client.post(url, {"content_hash": agreement.content_hash}).status_code == 403
    assert not DpaAcceptance.objects.exists()

    client = Client()
    client.force_login(viewer)
    assert client.post(url, {"content_hash": agreement.content_hash}).status_code == 403
    assert "I agree" not in client.get(dpa_url("inspect", agreement)).content.decode()
    assert not DpaAcceptance.objects.exists()

    client.force_login(signer)
    assert "I agree" in client.get(dpa_url("inspect", agreement)).content.decode()
    assert client.post(url, {"content_hash": agreement.content_hash}).status_code == 302
    acceptance = DpaAcceptance.objects.get()
    assert acceptance.accepted_by == signer
    assert acceptance.accepted_by_name == "dpa_signer"


def test_acceptance_is_audit_logged_without_personal_data(admin_client, agreement):
    admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})

    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.accept_dpa")
    acceptance = DpaAcceptance.objects.get()
    assert entry.object_id == str(agreement.pk)
    assert entry.user.username == "admin"
    assert entry.data == {
        "acceptance_id": acceptance.pk,
        "revision_id": acceptance.revision_id,
        "content_hash": acceptance.content_hash,
    }
    assert "admin@example.com" not in json.dumps(entry.data)


def test_printable_view_and_html_download(admin_client, agreement):
    printable = admin_client.get(dpa_url("print", agreement))
    assert printable.status_code == 200
    html = printable.content.decode()
    assert "@media print" in html
    assert "DPA with Example Mail Inc." in html
    assert "(a) Documented instructions" in html
    assert "(h) Information and audits" in html
    assert agreement.content_hash in html
    assert "Content-Disposition" not in printable

    download = admin_client.get(dpa_url("download", agreement))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/html")
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="dpa-with-example-mail-inc-v{agreement.latest_revision_id}.html"' in (
        disposition
    )
    assert "Demo Shop s.r.o." in download.content.decode()


def test_print_an_earlier_accepted_version(admin_client, agreement):
    admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})
    accepted = DpaAcceptance.objects.get()
    agreement.duration = "A new duration."
    agreement.save()
    agreement.save_revision(log_action=False)

    old = admin_client.get(dpa_url("print", agreement), {"revision": accepted.revision_id})

    html = old.content.decode()
    assert "For the term of the contract." in html
    assert "A new duration." not in html
    assert "an earlier version" in html
    assert accepted.accepted_by_name in html
    assert admin_client.get(dpa_url("print", agreement), {"revision": "999999"}).status_code == (
        404
    )


def test_document_views_need_a_permission_on_agreements(client, agreement):
    client.force_login(make_user("nobody", []))
    for name in ("print", "download"):
        response = client.get(dpa_url(name, agreement))
        assert response.status_code in (302, 403)
        assert "Example Mail" not in response.content.decode()


def test_new_agreement_form_starts_with_controller_and_standard_clauses(admin_client, controller):
    response = admin_client.get(
        reverse(DataProcessingAgreement.snippet_viewset.get_url_name("add"))
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Demo Shop s.r.o." in html
    assert "documented instructions from the controller" in html


def test_agreement_listing_shows_whether_the_current_version_is_accepted(admin_client, agreement):
    url = reverse(DataProcessingAgreement.snippet_viewset.get_url_name("list"))
    assert "Not accepted" in admin_client.get(url).content.decode()
    admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})
    assert "Accepted by admin on" in admin_client.get(url).content.decode()


def test_controller_settings_are_edited_in_the_admin(admin_client, controller):
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["wagtail_gdpr_mail", "controllersettings", site.pk])
    html = admin_client.get(url).content.decode()
    assert "Demo Shop s.r.o." in html
    assert "Data protection officer" in html


def test_get_controller_without_any_site_is_empty_not_an_error(db):
    Site.objects.all().delete()
    controller = get_controller()
    assert controller.controller_name == ""
    assert controller.pk is None
    assert controller.dpo_display == "No data protection officer appointed"


def test_privacy_policy_link_prefers_the_page(controller):
    root = Site.objects.get(is_default_site=True).root_page
    privacy = root.add_child(instance=Page(title="Privacy", slug="privacy"))
    controller.privacy_policy_url = "https://example.com/privacy"
    assert controller.privacy_policy_link == "https://example.com/privacy"
    controller.privacy_policy_page = privacy
    assert controller.privacy_policy_link.endswith("/privacy/")


# --- Legal bases in use ---------------------------------------------------------------


def test_deleting_a_legal_basis_in_use_is_refused_with_the_purposes_using_it(admin_client, purpose):
    basis = purpose.legal_basis
    url = reverse(LegalBasis.snippet_viewset.get_url_name("delete"), args=[basis.pk])

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "cannot be deleted" in html
    assert "Newsletter" in html
    assert "Yes, delete" not in html

    response = admin_client.post(url)
    assert response.status_code == 302
    assert LegalBasis.objects.filter(pk=basis.pk).exists()
    followed = admin_client.get(response["Location"])
    assert "cannot be deleted" in followed.content.decode()

    # Even when Wagtail's reference index does not know about the purpose (e.g. it
    # was created in bulk), the refusal is friendly, not a server error.
    ReferenceIndex.objects.all().delete()
    assert "Newsletter" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 302
    assert LegalBasis.objects.filter(pk=basis.pk).exists()


def test_deleting_an_unused_legal_basis_still_works(admin_client, purpose):
    unused = LegalBasis.objects.get(code="vital_interest")
    url = reverse(LegalBasis.snippet_viewset.get_url_name("delete"), args=[unused.pk])
    assert "Yes, delete" in admin_client.get(url).content.decode()
    assert admin_client.post(url).status_code == 302
    assert not LegalBasis.objects.filter(pk=unused.pk).exists()


def test_an_accepted_agreement_cannot_be_deleted_but_an_unaccepted_one_can(admin_client, agreement):
    admin_client.post(dpa_url("accept", agreement), {"content_hash": agreement.content_hash})

    page = admin_client.get(dpa_url("delete", agreement))
    assert page.status_code == 200
    assert "acceptances are kept as evidence" in page.content.decode()
    assert "Yes, delete" not in page.content.decode()
    assert admin_client.post(dpa_url("delete", agreement)).status_code == 302
    assert DataProcessingAgreement.objects.filter(pk=agreement.pk).exists()
    assert DpaAcceptance.objects.count() == 1

    draft = DataProcessingAgreement.objects.create(**agreement.content() | {"title": "Draft"})
    assert admin_client.post(dpa_url("delete", draft)).status_code == 302
    assert not DataProcessingAgreement.objects.filter(pk=draft.pk).exists()
