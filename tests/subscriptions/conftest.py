"""Fixtures and helpers of the subscription tests (issue 3): a live page with forms, a
visitor who fills them in like a person, and e-mail backends that misbehave on purpose.

Import with ``from .subscription_fixtures import *`` (fixtures, autouse included) and
name the helpers explicitly. The e-mail backends are also loaded by the real Celery
worker of ``test_celery_worker.py`` (``TEST_EMAIL_BACKEND=tests.subscription_fixtures.…``),
so everything they need comes from the environment, not from the test process.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from anymail.exceptions import AnymailAPIError
from django.core.cache import cache
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import Client, TestCase

__all__ = [
    "FlakyBackend",
    "FileFlakyBackend",
    "SlowFileBackend",
    "clear_rate_limits",
    "flaky_esp",
    "form_value",
    "subscription_page",
    "two_form_page",
    "visitor",
]

SUBSCRIBE_PATH = "/gdpr-mail/subscribe/"
CONFIRM_LINK = re.compile(r"https?://[^\s<>\"']+/gdpr-mail/confirm/[^\s<>\"'/]+/")
VISITOR_IP = "198.51.100.23"
VISITOR_AGENT = "Mozilla/5.0 (X11; Linux x86_64) SubscriptionTester/3.14159"
CONFIRM_IP = "203.0.113.99"
CONFIRM_AGENT = "Mozilla/5.0 (Android 14) ConfirmingPhone/2.71828"
PRIVACY_URL = "https://example.com/privacy-policy/"


# --- Redis, for the real-worker tests --------------------------------------------


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


# --- E-mail backends that fail or dawdle on purpose -------------------------------


class FlakyBackend(LocmemBackend):
    """Like an ESP that answers 503 to the first ``fail_first`` sends, then delivers
    (to ``django.core.mail.outbox``). In-process: set the class attributes."""

    fail_first = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.fail_first:
            raise AnymailAPIError(f"ESP unavailable (test failure {FlakyBackend.calls})")
        return super().send_messages(messages)


class FileFlakyBackend(FileBackend):
    """Across processes: counts sends in the file ``GDPR_TEST_ESP_COUNTER`` and fails the
    first ``GDPR_TEST_ESP_FAIL_FIRST`` of them; then writes to ``EMAIL_FILE_PATH``."""

    def send_messages(self, messages):
        counter = Path(os.environ["GDPR_TEST_ESP_COUNTER"])
        calls = (int(counter.read_text() or 0) if counter.exists() else 0) + 1
        counter.write_text(str(calls))
        if calls <= int(os.environ.get("GDPR_TEST_ESP_FAIL_FIRST", "0")):
            raise AnymailAPIError(f"ESP unavailable (test failure {calls})")
        return super().send_messages(messages)


class SlowFileBackend(FileBackend):
    """An ESP that takes ``GDPR_TEST_SLOW_SECONDS`` (default 5) to accept a message, so a
    test can kill the worker while it waits; then writes to ``EMAIL_FILE_PATH``."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("GDPR_TEST_SLOW_SECONDS", "5")))
        return super().send_messages(messages)


# --- Fixtures -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clear_rate_limits():
    """The rate limits count in the cache: every test starts (and ends) with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def flaky_esp():
    """Call with N: the next N sends fail with an ESP error."""

    def fail_first(count: int) -> None:
        FlakyBackend.fail_first, FlakyBackend.calls = count, 0

    fail_first(0)
    yield fail_first
    fail_first(0)


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


def _live_home_page(blocks: list[tuple[str, Any]], slug: str = "newsletter"):
    """A live, published HomePage under the root, served by the default Site."""
    from wagtail.models import Page, Site

    from home.models import HomePage

    root = Page.get_first_root_node()
    page = HomePage(title="Newsletter", slug=slug, body=blocks)
    root.add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page = "localhost", 80, page
    site.site_name = "Test shop"
    site.save()  # save(), not update(): clears Wagtail's cache of site root paths
    return page


@pytest.fixture
def subscription_page(db, make_purpose, contact_list):
    """A live page with one form: main purpose, one optional purpose, a list, a privacy URL."""
    main = make_purpose("Newsletter", visitor_text="We will send you our newsletter monthly.")
    extra = make_purpose(
        "Competition results", years=1, visitor_text="We will tell you who won our competitions."
    )
    form_id = "a" * 8 + uuid.uuid4().hex[:24]
    page = _live_home_page(
        [
            ("heading", "Our newsletter"),
            form_value(main=main, extras=[extra], target_list=contact_list, form_id=form_id),
        ]
    )
    return SimpleNamespace(
        page=page,
        url=page.url,
        form_id=form_id,
        main=main,
        extra=extra,
        contact_list=contact_list,
    )


@pytest.fixture
def two_form_page(db, make_purpose, contact_list):
    """A live page with two independent forms, A and B, each with its own purposes."""
    from wagtail.rich_text import RichText

    from wagtail_gdpr_mail.models import ContactList

    purposes = {
        "a_main": make_purpose("Newsletter A"),
        "a_extra": make_purpose("Offers A"),
        "b_main": make_purpose("Events B"),
        "b_extra": make_purpose("Partners B"),
    }
    list_b = ContactList.objects.create(name="Event visitors")
    form_a, form_b = "a" * 32, "b" * 32
    page = _live_home_page(
        [
            form_value(
                main=purposes["a_main"],
                extras=[purposes["a_extra"]],
                target_list=contact_list,
                form_id=form_a,
                heading="Form A",
                success_message="Thanks from A.",
            ),
            ("paragraph", RichText("<p>Between the forms.</p>")),
            form_value(
                main=purposes["b_main"],
                extras=[purposes["b_extra"]],
                target_list=list_b,
                form_id=form_b,
                heading="Form B",
                success_message="Thanks from B.",
            ),
        ]
    )
    return SimpleNamespace(
        page=page,
        url=page.url,
        form_a=form_a,
        form_b=form_b,
        list_a=contact_list,
        list_b=list_b,
        **purposes,
    )


@pytest.fixture
def visitor() -> Client:
    """A browser: CSRF enforced, a fixed IP address and a distinctive user agent."""
    return make_visitor()


def make_visitor(ip: str = VISITOR_IP, agent: str = VISITOR_AGENT) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


# --- Reading pages like a browser ----------------------------------------------------


@dataclass
class HtmlForm:
    action: str
    method: str
    values: dict[str, str] = field(default_factory=dict)  # hidden and text inputs
    checkboxes: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    buttons: int = 0


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(attributes.get("action", ""), attributes.get("method", "get"))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and attributes.get("name"):
            if attributes.get("type") == "checkbox":
                self._form.checkboxes.append(attributes["name"])
                if "checked" in attributes:
                    self._form.checked.append(attributes["name"])
            else:
                self._form.values[attributes["name"]] = attributes.get("value", "")
        elif tag == "button":
            self._form.buttons += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def parse_forms(html: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


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


def confirm_links(messages) -> list[str]:
    links = []
    for message in messages:
        links += CONFIRM_LINK.findall(message.body)
    return links


def confirm_path(message) -> str:
    (link,) = set(CONFIRM_LINK.findall(message.body))
    return urlsplit(link).path


def press_confirm(client: Client, path: str):
    """Open the link from the mail and press the button on the page, like a person."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    (form,) = [f for f in parse_forms(page.content.decode()) if f.method.lower() == "post"]
    assert form.buttons == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(form.action or path, dict(form.values))
