"""A visitor who fills in a subscription form like a person: opens the page, reads the
form's hidden fields, types, sends it back, opens the link from the mail and presses
the button."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from django.core import signing
from django.test import Client, TestCase

from .html_forms import HtmlForm, parse_forms
from .races import race

SUBSCRIBE_PATH = "/gdpr-mail/subscribe/"
VISITOR_IP = "198.51.100.23"
VISITOR_AGENT = "Mozilla/5.0 (X11; Linux x86_64) SubscriptionTester/3.14159"
CONFIRM_IP = "203.0.113.99"
CONFIRM_AGENT = "Mozilla/5.0 (Android 14) ConfirmingPhone/2.71828"
PRIVACY_URL = "https://example.com/privacy-policy/"


def form_value(
    *,
    main,
    extras=(),
    target_list=None,
    form_id: str | None = None,
    heading: str = "Subscribe to our newsletter",
    info_text: str = "<p>Example Shop s.r.o. processes your e-mail address for the purposes "
    "you choose. You can withdraw your consent at any time.</p>",
    privacy_url: str = PRIVACY_URL,
    mail_subject: str = "Please confirm your subscription",
    mail_body: str | None = None,
    success_message: str = "Thank you. Please check your mailbox.",
    ask_last_name: bool = True,
) -> tuple[str, dict[str, Any]]:
    """A ``subscription_form`` stream child as an editor would fill it in."""
    from wagtail.rich_text import RichText

    from wagtail_gdpr_mail.blocks import SubscriptionFormBlock

    if mail_body is None:
        mail_body = str(SubscriptionFormBlock().child_blocks["mail_body"].get_default())
    return (
        "subscription_form",
        {
            "heading": heading,
            "intro": RichText("<p>News about once a month.</p>"),
            "ask_first_name": True,
            "ask_last_name": ask_last_name,
            "main_purpose": main,
            "extra_purposes": list(extras),
            "info_text": RichText(info_text),
            "privacy_page": None,
            "privacy_url": privacy_url,
            "target_list": target_list,
            "submit_label": "Subscribe",
            "success_message": success_message,
            "mail_subject": mail_subject,
            "mail_body": mail_body,
            "form_id": form_id or uuid.uuid4().hex,
        },
    )


def signed_timestamp(seconds_ago: float) -> str:
    """The form's hidden ``rendered_at`` as if the page had been opened that long ago."""
    from wagtail_gdpr_mail.subscriptions.forms import TIMESTAMP_SALT

    return signing.Signer(salt=TIMESTAMP_SALT).sign(repr(time.time() - seconds_ago))


def make_visitor(ip: str = VISITOR_IP, agent: str = VISITOR_AGENT) -> Client:
    """A browser: CSRF enforced, a fixed IP address and a distinctive user agent."""
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


def subscription_forms(html: str) -> dict[str, HtmlForm]:
    """The subscription forms of a page, by their ``form_id``."""
    return {
        form.values["form_id"]: form
        for form in parse_forms(html)
        if form.action == SUBSCRIBE_PATH and "form_id" in form.values
    }


def form_sections(html: str) -> dict[str, str]:
    """The HTML of each form's ``<section>``, by ``form_id``."""
    return dict(
        re.findall(
            r'<section[^>]*data-gdpr-mail-form="([^"]*)"[^>]*>(.*?)</section>', html, flags=re.S
        )
    )


def open_form(client: Client, url: str, form_id: str) -> HtmlForm:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    forms = subscription_forms(response.content.decode())
    assert form_id in forms, f"form {form_id} not on {url}: {list(forms)}"
    return forms[form_id]


def post_form(
    client: Client,
    form: HtmlForm,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    tick: tuple[Any, ...] = (),
    website: str = "",
    **extra_fields: str,
):
    """Send a form back as a browser would: its hidden values, what was typed, the
    ticked checkboxes; after-commit callbacks run (the eager mail task)."""
    data = dict(form.values)
    data.update(email=email, website=website)
    if "first_name" in data:
        data["first_name"] = first_name
    if "last_name" in data:
        data["last_name"] = last_name
    for purpose in tick:
        name = f"purpose_{getattr(purpose, 'pk', purpose)}"
        assert name in form.checkboxes, f"{name} is not a checkbox of the form"
        data[name] = "on"
    data.update(extra_fields)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(form.action, data)


def subscribe(client: Client, url: str, form_id: str, **kwargs):
    """Open the page, fill in the form ``form_id`` and send it."""
    return post_form(client, open_form(client, url, form_id), **kwargs)


def send_at_once(url: str, form_id: str, count: int, **fields: Any) -> list:
    """A double click: one filled-in form sent ``count`` times at the same moment (each
    result a response, or the exception raised)."""
    opener = make_visitor()
    form = open_form(opener, url, form_id)

    def send(_index: int):
        client = make_visitor()
        client.cookies = opener.cookies  # the CSRF cookie of the page that was opened
        return post_form(client, form, **fields)

    return race(count, send)


def press_confirm(client: Client, path: str):
    """Open the link from the mail and press the button on the page, like a person."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    (form,) = [f for f in parse_forms(page.content.decode()) if f.method == "post"]
    assert form.buttons == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(form.action or path, dict(form.values))


# --- Květoslava, who subscribes in the subscription tests -----------------------------

EMAIL = "kvetoslava.nova@example.cz"
FIRST, LAST = "Květoslava", "Nová"
CONFIRMED_TEXT = "Thank you, your subscription is confirmed."
ALREADY_TEXT = "You have already confirmed this subscription."


def success_location(form_id: str) -> str:
    return f"/?subscribed={form_id}#form-{form_id}"


def subscribe_default(sp, client=None, **kwargs):
    kwargs.setdefault("email", EMAIL)
    kwargs.setdefault("first_name", FIRST)
    kwargs.setdefault("last_name", LAST)
    return subscribe(client or make_visitor(), sp.url, sp.form_id, **kwargs)


def stored() -> tuple[int, int, int]:
    """Pending signups, contacts and sent mails: what a submission left behind."""
    from django.core import mail

    from wagtail_gdpr_mail.models import Contact
    from wagtail_gdpr_mail.models.signups import PendingSignup

    return PendingSignup.objects.count(), Contact.objects.count(), len(mail.outbox)
