"""The subscription form block in the editor, several forms on a page, and the mail it sends."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from wagtail.blocks.struct_block import StructBlockValidationError

from tests.helpers.links import confirm_path
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import (
    EMAIL,
    PRIVACY_URL,
    form_sections,
    form_value,
    make_visitor,
    open_form,
    post_form,
    press_confirm,
    stored,
    subscribe,
    subscribe_default,
    subscription_forms,
    success_location,
)
from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.mail import get_adapter
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    LegalBasis,
    ListMembership,
)
from wagtail_gdpr_mail.models.signups import PendingSignup
from wagtail_gdpr_mail.subscriptions.forms import form_auto_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


# --- The block in the editor ------------------------------------------------------------


def _block_value(sp, **overrides):
    block = SubscriptionFormBlock()
    raw = {
        "heading": "Subscribe",
        "intro": "",
        "ask_first_name": True,
        "ask_last_name": False,
        "main_purpose": sp.main.pk,
        "extra_purposes": [sp.extra.pk],
        "info_text": "<p>We process your address.</p>",
        "privacy_page": None,
        "privacy_url": PRIVACY_URL,
        "target_list": sp.contact_list.pk,
        "submit_label": "Subscribe",
        "success_message": "Thanks.",
        "mail_subject": "Confirm",
        "mail_body": "Hello {name}, open {confirm_url}",
        "form_id": "",
    }
    raw.update(overrides)
    return block, block.to_python(raw)


def _block_errors(sp, **overrides) -> dict:
    block, value = _block_value(sp, **overrides)
    with pytest.raises(StructBlockValidationError) as caught:
        block.clean(value)
    return caught.value.block_errors


def test_the_block_needs_a_main_purpose(subscription_page):
    assert "main_purpose" in _block_errors(subscription_page, main_purpose=None)


def test_the_main_purpose_cannot_also_be_optional(subscription_page):
    sp = subscription_page
    assert "extra_purposes" in _block_errors(sp, extra_purposes=[sp.extra.pk, sp.main.pk])


def test_the_block_needs_a_privacy_link(subscription_page):
    assert "privacy_url" in _block_errors(subscription_page, privacy_url="", privacy_page=None)


def test_the_mail_text_needs_the_confirmation_link(subscription_page):
    errors = _block_errors(subscription_page, mail_body="Hello {name}, welcome!")
    assert "mail_body" in errors


def _rest_on(purpose, code: str):
    purpose.legal_basis = LegalBasis.objects.get(code=code)
    purpose.save()
    return purpose


@pytest.mark.parametrize("field", ["main_purpose", "extra_purposes"])
def test_a_form_refuses_a_purpose_not_resting_on_consent_and_says_why(subscription_page, field):
    sp = subscription_page
    _rest_on(sp.main if field == "main_purpose" else sp.extra, "legal_obligation")
    errors = _block_errors(sp)
    assert set(errors) == {field}
    name = "Newsletter" if field == "main_purpose" else "Competition results"
    assert errors[field].messages == [
        f"“{name}” rests on the legal basis “Legal obligation”. A subscription form collects "
        "consent, so each of its purposes must rest on consent (Art. 6(1)(a) GDPR)."
    ]


def test_a_page_whose_form_holds_a_non_consent_purpose_still_renders(subscription_page, visitor):
    # Validation is on save: a page published before the rule keeps working.
    _rest_on(subscription_page.main, "contract")
    response = visitor.get(subscription_page.url)
    assert response.status_code == 200
    assert subscription_page.form_id in response.content.decode()


def test_a_valid_block_gets_a_form_id_once(subscription_page):
    block, value = _block_value(subscription_page)
    cleaned = block.clean(value)
    assert re.fullmatch(r"[0-9a-f]{32}", cleaned["form_id"])
    _, kept = _block_value(subscription_page, form_id="keep-me")
    assert block.clean(kept)["form_id"] == "keep-me"


def test_several_forms_on_one_page_work_independently(two_form_page, visitor):
    tp = two_form_page
    html = visitor.get(tp.url).content.decode()
    forms = subscription_forms(html)
    assert set(forms) == {tp.form_a, tp.form_b}
    assert forms[tp.form_a].checkboxes == [f"purpose_{tp.a_extra.pk}"]
    assert forms[tp.form_b].checkboxes == [f"purpose_{tp.b_extra.pk}"]

    response = post_form(visitor, forms[tp.form_b], email=EMAIL, tick=[tp.b_extra])
    assert response["Location"] == success_location(tp.form_b)
    sections = form_sections(visitor.get(response["Location"]).content.decode())
    assert "Thanks from B." in sections[tp.form_b] and "<form" not in sections[tp.form_b]
    assert "Thanks from A." not in sections[tp.form_a] and "<form" in sections[tp.form_a]

    press_confirm(Client(), confirm_path(mail.outbox[0]))
    contact = Contact.objects.get()
    assert sorted(a.purpose_id for a in contact.assignments.all()) == sorted(
        [tp.b_main.pk, tp.b_extra.pk]
    )
    assert [m.contact_list for m in ListMembership.objects.all()] == [tp.list_b]
    record = ConsentRecord.objects.filter(purpose=tp.b_main).get()
    assert record.evidence["form"]["form_id"] == tp.form_b
    assert record.evidence["form"]["heading"] == "Form B"


def test_two_forms_on_a_page_one_with_errors_share_no_id(two_form_page, visitor):
    tp = two_form_page
    forms = subscription_forms(visitor.get(tp.url).content.decode())
    response = post_form(visitor, forms[tp.form_a], email="not-an-address")
    assert response.status_code == 400
    html = response.content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    sections = form_sections(html)
    email_id = form_auto_id(tp.form_a) % "email"
    # A keeps its own field ids, and its error summary links to the field to correct.
    assert f'id="{email_id}"' in sections[tp.form_a]
    assert f'href="#{email_id}"' in sections[tp.form_a]
    assert "data-gdpr-mail-errors" not in sections[tp.form_b]


def test_a_form_on_an_unpublished_page_takes_nothing(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    sp.page.unpublish()
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code == 404
    assert stored() == (0, 0, 0)


# --- The mail itself -------------------------------------------------------------------


def test_markup_in_a_name_is_not_markup_in_the_mail(subscription_page):
    subscribe_default(subscription_page, first_name="<b>Bold</b>", last_name="<img src=x>")
    html, _ = mail.outbox[0].alternatives[0]
    assert "<b>Bold</b>" not in html and "<img src=x>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_a_line_break_in_a_name_cannot_break_the_mail_header(make_purpose, contact_list):
    """The editor put {name} into the subject; a visitor (or a bot) types a CR into
    the name field. The form refuses it (see test_names_in_mail.py); a name that got
    into a signup another way still gives a one-line subject."""
    main = make_purpose("Newsletter")
    form_id = "c" * 32
    page = publish_test_page(
        [
            form_value(
                main=main,
                target_list=contact_list,
                form_id=form_id,
                mail_subject="{name}, please confirm your subscription",
            )
        ]
    )
    response = subscribe(
        make_visitor(), page.url, form_id, email=EMAIL, first_name="Jana\rBcc: x@example.org"
    )
    assert response.status_code == 400
    assert not PendingSignup.objects.exists() and not mail.outbox

    subscribe(make_visitor(), page.url, form_id, email=EMAIL, first_name="Jana")
    signup = PendingSignup.objects.get()
    signup.data["first_name"] = "Jana\rBcc: x@example.org"
    message, _ = get_adapter().build_confirmation(signup, "token")
    assert "\r" not in message.subject and "\n" not in message.subject
    assert message.message()["Bcc"] is None
