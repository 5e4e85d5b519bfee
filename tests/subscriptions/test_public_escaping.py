"""Editor-entered texts reach public pages and mails as text, never as live markup.

An editor account (or a stolen one) must not be able to plant a script on the public
site or in the confirmation mail: every text the form, the pages and the mail show is
escaped, and rich text goes through Wagtail's sanitiser.
"""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from wagtail.rich_text import RichText

from tests.helpers.links import confirm_path
from tests.helpers.markup import XSS, live_markup
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value, make_visitor, press_confirm, subscribe
from wagtail_gdpr_mail.legal.controller import get_controller
from wagtail_gdpr_mail.models import ContactList

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


@pytest.fixture
def hostile_page(make_purpose):
    """A form in which every editor-entered text carries a script and an onerror image."""
    main = make_purpose(f"Main {XSS}", visitor_text=f"Main text {XSS}")
    extra = make_purpose(f"Extra {XSS}", visitor_text=f"Extra text {XSS}")
    target = ContactList.objects.create(name=f"List {XSS}")
    controller = get_controller()
    controller.controller_name = f"Shop {XSS}"
    controller.save()
    form_id = uuid.uuid4().hex
    name, value = form_value(
        main=main,
        extras=[extra],
        target_list=target,
        form_id=form_id,
        heading=f"Heading {XSS}",
        info_text=f"<p>Info {XSS}</p>",
        success_message=f"Thanks {XSS}",
        mail_subject=f"Subject {XSS}",
        mail_body=f"Body {XSS} {{name}} {{controller}}\n{{confirm_url}}",
    )
    value["intro"] = RichText(f"<p>Intro {XSS}</p>")
    value["submit_label"] = f"Send {XSS}"
    page = publish_test_page([(name, value)], title="Hostile")
    return page, form_id, main, extra


def test_no_editor_text_becomes_live_markup_on_the_form(hostile_page, client):
    page, form_id, *_ = hostile_page
    html = client.get(page.url).content.decode()
    assert "Extra text" in html and "Main text" in html and "Heading" in html
    assert "Intro" in html and "Info" in html and "Send" in html
    assert live_markup(html) == []


def test_no_editor_text_becomes_live_markup_after_submitting_or_in_the_mail(hostile_page):
    page, form_id, main, extra = hostile_page
    visitor = make_visitor()
    response = subscribe(visitor, page.url, form_id, email="x@example.com", tick=(extra,))
    assert response.status_code == 302
    thanks = visitor.get(response["Location"]).content.decode()
    assert "Thanks" in thanks and live_markup(thanks) == []

    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "Body" in html and "Shop" in html
    assert live_markup(html) == []
    assert "\n" not in message.subject

    done = press_confirm(visitor, confirm_path(message))
    assert live_markup(done.content.decode()) == []


def test_no_editor_text_becomes_live_markup_in_self_service(hostile_page, client):
    from wagtail_gdpr_mail.rights.access import SESSION_KEY

    page, form_id, main, extra = hostile_page
    visitor = make_visitor()
    subscribe(visitor, page.url, form_id, email="x@example.com", tick=(extra,))
    press_confirm(visitor, confirm_path(mail.outbox[0]))
    from wagtail_gdpr_mail.models import Contact

    contact = Contact.objects.by_email("x@example.com").get()
    session = visitor.session
    session[SESSION_KEY] = {"contact": contact.pk, "until": 2**40}
    session.save()
    html = visitor.get("/gdpr-mail/my-data/manage/").content.decode()
    assert "List" in html and "Extra text" in html
    assert live_markup(html) == []
