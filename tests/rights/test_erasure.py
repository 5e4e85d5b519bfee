"""Data-subject rights (issue 4) as the people involved notice them.

Editors export and erase contacts in the admin (single view, bulk action,
commands); erased addresses stay out until the person subscribes anew; exports
validate against the shipped JSON Schema with Kantara consent receipts; the
audit log names no personal data; visitors manage their own data through an
e-mail-verified link; tampering with the consent proof is reported.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from html.parser import HTMLParser
from io import StringIO
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from wagtail.models import ModelLogEntry

from wagtail_gdpr_mail import exporting
from wagtail_gdpr_mail.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.crypto import (
    associated_data,
    email_blind_index,
    encrypted_fields,
    get_cipher,
)
from wagtail_gdpr_mail.erasure import erase_contacts
from wagtail_gdpr_mail.exceptions import DecryptionError, SuppressedAddressError
from wagtail_gdpr_mail.legal import get_controller
from wagtail_gdpr_mail.management.commands.gdpr_mail_verify_consent import (
    Command as VerifyCommand,
)
from wagtail_gdpr_mail.models import (
    AccessRequest,
    ConsentRecord,
    Contact,
    ContactList,
    ContactSource,
    LegalBasis,
    ListMembership,
    PendingSignup,
    PurposeAssignment,
    Suppression,
)
from wagtail_gdpr_mail.views.self_service import SESSION_KEY

from .conftest import database_is_postgres, need, pg_dump, sqlite_dump

# --- The person and what they left behind -------------------------------------------

EMAIL = "zdenka.pravnickova@example.cz"
FIRST_NAME = "Zdeňka"
LAST_NAME = "Právníčková"
CUSTOM_FIELDS = {"phone": "+420 777 654 321", "city": "Valašské Klobouky"}
SUBMIT_IP, SUBMIT_AGENT = "198.51.100.47", "Mozilla/5.0 (X11) RightsTester/7.771"
CONFIRM_IP, CONFIRM_AGENT = "203.0.113.58", "Mozilla/5.0 (Android 14) ConfirmPhone/8.882"
ADMIN_IP, ADMIN_AGENT = "192.0.2.201", "Mozilla/5.0 (Windows) EditorBrowser/9.993"
PERSONAL_VALUES = [
    EMAIL,
    EMAIL.split("@")[0],
    FIRST_NAME,
    LAST_NAME,
    *CUSTOM_FIELDS.values(),
    SUBMIT_IP,
    SUBMIT_AGENT,
    CONFIRM_IP,
    CONFIRM_AGENT,
    ADMIN_IP,
    ADMIN_AGENT,
]
CONTROLLER_NAME = "Rights Test Shop s.r.o."

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
ADD_URL = LISTING + "add/"
SUBSCRIBE_PATH = "/gdpr-mail/subscribe/"
MY_DATA = "/gdpr-mail/my-data/"
MANAGE = MY_DATA + "manage/"
DOWNLOAD = MANAGE + "download/"
ERASE_ME = MANAGE + "erase/"
CONFIRM_LINK = re.compile(r"https?://[^\s<>\"']+(/gdpr-mail/confirm/[^\s<>\"'/]+/)")
ACCESS_LINK = re.compile(r"https?://[^\s<>\"']+(/gdpr-mail/my-data/open/[^\s<>\"'/]+/)")
VISITOR_IP, VISITOR_AGENT = "198.51.100.99", "Mozilla/5.0 (Macintosh) SelfServiceTester/1.23"


def inspect_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])


def edit_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:edit", args=[contact.pk])


def export_url(contact) -> str:
    return reverse("wagtail_gdpr_mail_contact_export", args=[contact.pk])


def erase_url(contact) -> str:
    return reverse("wagtail_gdpr_mail_contact_erase", args=[contact.pk])


def bulk_url(action: str, *contacts) -> str:
    query = urlencode([("next", LISTING), *[("id", c.pk) for c in contacts]])
    return f"/admin/bulk/wagtail_gdpr_mail/contact/{action}/?{query}"


def withdraw_url(pk: int) -> str:
    return f"{MANAGE}withdraw/{pk}/"


@pytest.fixture(autouse=True)
def clear_rate_limits():
    """The rate limits count in the cache: every test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_forms(settings):
    # A form sent back faster than MIN_FILL_SECONDS counts as a bot; tests are fast.
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0


@contextmanager
def after_commit():
    """Run the after-commit callbacks (the eager mail tasks) of what happens inside."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


# --- Users with exactly the permissions a test needs --------------------------------


def make_user(username: str, *codenames: str):
    """An admin user holding ``wagtail_gdpr_mail.<codename>`` for each codename, nothing else."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "password")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        *Permission.objects.filter(
            content_type__app_label="wagtail_gdpr_mail", codename__in=codenames
        ),
    )
    assert group.permissions.count() == len(codenames) + 1
    user.groups.add(group)
    return user


def logged_in(user) -> Client:
    client = Client(REMOTE_ADDR=ADMIN_IP, HTTP_USER_AGENT=ADMIN_AGENT)
    client.force_login(user)
    return client


# --- A live page with a subscription form, and a visitor who fills it in ------------


class _Forms(HTMLParser):
    """The forms of a page: action, method and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[SimpleNamespace] = []
        self._current: SimpleNamespace | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._textarea_start = False

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = SimpleNamespace(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
                values={},
                checkboxes=[],
            )
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == "input" and attributes.get("name"):
            if attributes.get("type") in ("checkbox", "radio"):
                self._current.checkboxes.append(attributes["name"])
                if "checked" in attributes:
                    self._current.values[attributes["name"]] = attributes.get("value", "on")
            else:
                self._current.values[attributes["name"]] = attributes.get("value", "")
        elif tag == "textarea" and attributes.get("name"):
            self._textarea = attributes["name"]
            self._current.values[self._textarea] = ""
            self._textarea_start = True
        elif tag == "select" and attributes.get("name"):
            self._select = attributes["name"]
        elif tag == "option" and self._select and "selected" in attributes:
            self._current.values[self._select] = attributes.get("value", "")

    def handle_data(self, data):
        if self._current is not None and self._textarea:
            if self._textarea_start and data.startswith("\n"):
                data = data[1:]  # browsers drop the newline right after <textarea>
            self._textarea_start = False
            self._current.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def page_forms(html: str) -> list[SimpleNamespace]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def subscription_page(db, make_purpose, contact_list):
    """A live page, served by the default site, with one form: a main and an extra purpose."""
    from wagtail.models import Page, Site
    from wagtail.rich_text import RichText

    from home.models import HomePage
    from wagtail_gdpr_mail.blocks import SubscriptionFormBlock

    main = make_purpose("Newsletter", visitor_text="We will send you our newsletter monthly.")
    extra = make_purpose("Webinar invitations", years=1, visitor_text="Invitations to webinars.")
    form_id = "f" * 8 + "0123456789abcdef0123456789ab"
    block = (
        "subscription_form",
        {
            "heading": "Subscribe to our newsletter",
            "intro": RichText("<p>News about once a month.</p>"),
            "ask_first_name": True,
            "ask_last_name": True,
            "main_purpose": main,
            "extra_purposes": [extra],
            "info_text": RichText("<p>Rights Test Shop processes your address.</p>"),
            "privacy_page": None,
            "privacy_url": "https://example.com/privacy/",
            "target_list": contact_list,
            "submit_label": "Subscribe",
            "success_message": "Thank you. Please check your mailbox.",
            "mail_subject": "Please confirm your subscription",
            "mail_body": str(SubscriptionFormBlock().child_blocks["mail_body"].get_default()),
            "form_id": form_id,
        },
    )
    page = HomePage(title="Newsletter", slug="rights-newsletter", body=[block])
    Page.get_first_root_node().add_child(instance=page)
    page.save_revision(log_action=False).publish(log_action=False)
    page.refresh_from_db()
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname, site.port, site.root_page, site.site_name = "localhost", 80, page, "Shop"
    site.save()
    return SimpleNamespace(page=page, form_id=form_id, main=main, extra=extra, list=contact_list)


def subscribe_and_confirm(
    site, email: str, *, first_name: str = "", last_name: str = "", extra: bool = False
) -> Contact:
    """A person fills in the form, gets the mail, opens the link and presses Confirm."""
    visitor = Client(enforce_csrf_checks=True, REMOTE_ADDR=SUBMIT_IP, HTTP_USER_AGENT=SUBMIT_AGENT)
    response = visitor.get(site.page.url)
    assert response.status_code == 200
    (form,) = [f for f in page_forms(response.content.decode()) if f.action == SUBSCRIBE_PATH]
    data = {**form.values, "email": email, "first_name": first_name, "last_name": last_name}
    if extra:
        data[f"purpose_{site.extra.pk}"] = "on"
    sent_before = len(mail.outbox)
    with after_commit():
        response = visitor.post(SUBSCRIBE_PATH, data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert len(mail.outbox) == sent_before + 1, "no confirmation mail was sent"
    message = mail.outbox[-1]
    assert message.to == [email]
    (path,) = set(CONFIRM_LINK.findall(message.body))

    # The link is opened on another device (the phone).
    phone = Client(enforce_csrf_checks=True, REMOTE_ADDR=CONFIRM_IP, HTTP_USER_AGENT=CONFIRM_AGENT)
    page = phone.get(path)
    assert page.status_code == 200
    (confirm_form,) = [f for f in page_forms(page.content.decode()) if f.method == "post"]
    with after_commit():
        done = phone.post(confirm_form.action or path, confirm_form.values)
    assert done.status_code == 200, done.content.decode()[:500]
    return Contact.objects.by_email(email).get()


@pytest.fixture
def controller(db):
    settings = get_controller()
    settings.controller_name = CONTROLLER_NAME
    settings.controller_address = "Masarykovo náměstí 1, 602 00 Brno"
    settings.controller_company_id = "87654321"
    settings.controller_email = "privacy@rights-shop.example"
    settings.dpo_name = "Dana Pověřená"
    settings.dpo_email = "dpo@rights-shop.example"
    settings.save()
    return settings


@pytest.fixture
def person(subscription_page, make_purpose, make_contact, controller):
    """Zdeňka: subscribed through the form (two purposes, the list), then an editor gave
    her a third purpose and set custom fields; she withdrew the webinar invitations.
    Someone else is on the list too."""
    site = subscription_page
    contact = subscribe_and_confirm(
        site, EMAIL, first_name=FIRST_NAME, last_name=LAST_NAME, extra=True
    )
    contact.custom_fields = dict(CUSTOM_FIELDS)
    contact.save()
    offers = make_purpose("Partner offers")
    assign_purpose(
        contact,
        offers,
        source=ContactSource.ADMIN,
        evidence={"request": {"ip": ADMIN_IP, "user_agent": ADMIN_AGENT}},
    )
    webinar = contact.assignments.get(purpose=site.extra)
    revoke_assignment(webinar, reason=PurposeAssignment.RevocationReason.WITHDRAWN)
    other = make_contact("someone.else@example.com", first_name="Karel", last_name="Jiný")
    assign_purpose(other, site.main, source=ContactSource.ADMIN)
    ListMembership.objects.create(contact=other, contact_list=site.list)
    assert contact.consent_records.count() == 4  # given ×2, given, revoked
    return SimpleNamespace(contact=contact, other=other, offers=offers, **vars(site))


# --- What the database holds ----------------------------------------------------------


def _variants(value: str) -> set[str]:
    """The value as it could appear in storage: plain, lower case, JSON-escaped."""
    escaped = json.dumps(value)[1:-1]
    return {value.lower(), escaped.lower()}


def personal_data_in(text: str) -> list[str]:
    lowered = text.lower()
    return [v for v in PERSONAL_VALUES if any(variant in lowered for variant in _variants(v))]


def everything_in_the_database() -> str:
    """Every row of every table with a model, decrypted: what someone with the keys sees."""
    tables = set(connection.introspection.table_names())
    rows = []
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy or model._meta.db_table not in tables:
            continue
        for row in model._base_manager.values():
            rows.append(json.dumps(row, default=str, ensure_ascii=False))
    return "\n".join(rows)


CIPHERTEXT = re.compile(r"gm1\$[A-Za-z0-9_-]{1,16}\$[A-Za-z0-9_-]+")


def decrypt_all(dump: str) -> tuple[list[str], int]:
    """Decrypt every ciphertext in a dump (trying every encrypted column's binding)."""
    cipher = get_cipher()
    bindings = [
        associated_data(model, field.name)
        for model in apps.get_models()
        for field in encrypted_fields(model)
    ]
    plaintexts, undecryptable = [], 0
    for token in set(CIPHERTEXT.findall(dump)):
        for aad in bindings:
            try:
                plaintexts.append(cipher.decrypt(token, aad).decode())
                break
            except DecryptionError:
                continue
        else:
            undecryptable += 1
    return plaintexts, undecryptable


def assert_dump_holds_no_personal_data(dump: str) -> None:
    assert "gm1$test1$" in dump  # the rows are there, encrypted
    assert personal_data_in(dump) == [], "personal data in plain text in the raw dump"
    plaintexts, undecryptable = decrypt_all(dump)
    assert undecryptable == 0
    # With the keys, too: the ciphertexts were wiped, not merely left encrypted.
    assert personal_data_in("\n".join(plaintexts)) == [], "personal data in a ciphertext"


def assignment_counts() -> Counter:
    return Counter(PurposeAssignment.objects.values_list("purpose_id", flat=True))


def listed_rows(client: Client) -> int:
    response = client.get(LISTING)
    assert response.status_code == 200
    return len(re.findall(r'id="snippet_\d+_title"', response.content.decode()))


# --- The three ways an editor erases a contact -----------------------------------------


def erase_through(route: str, contact: Contact, mode: str, user) -> None:
    if route == "admin":
        response = logged_in(user).post(erase_url(contact), {"mode": mode})
        assert response.status_code == 302, response.content.decode()[:500]
    elif route == "bulk":
        response = logged_in(user).post(bulk_url("delete", contact), {"mode": mode})
        assert response.status_code == 302, response.content.decode()[:500]
        assert response["Location"] == LISTING
    else:
        flag = "--anonymise" if mode == "anonymise" else "--delete"
        out = StringIO()
        # As the editor would type it, not as it is stored.
        call_command("gdpr_mail_erase", f"  {EMAIL.upper()} ", flag, stdout=out)
        assert f"Contact #{contact.pk}" in out.getvalue()


ROUTES = ["admin", "bulk", "command"]


# --- Anonymisation ----------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_anonymising_wipes_the_person_and_keeps_the_statistics(person, route):
    contact, other = person.contact, person.other
    eraser = make_user("eraser", "view_contact", "erase_contact")
    admin_client = logged_in(eraser)
    assert set(personal_data_in(everything_in_the_database())) >= {EMAIL, FIRST_NAME, SUBMIT_IP}
    contacts, per_purpose = Contact.objects.count(), assignment_counts()
    records, rows = ConsentRecord.objects.count(), listed_rows(admin_client)
    withdrawn = contact.assignments.get(purpose=person.extra)
    still_held = contact.assignments.filter(revoked_at__isnull=True).count()
    assert rows == 2

    erase_through(route, contact, "anonymise", eraser)

    # Counts and statistics do not move; the row is still listed.
    assert Contact.objects.count() == contacts
    assert assignment_counts() == per_purpose
    # Each purpose the erasure ended gets its "revoked" record; none is lost.
    assert ConsentRecord.objects.count() == records + still_held
    assert contact.consent_records.filter(event="revoked").count() >= still_held
    assert ListMembership.objects.filter(contact=contact).exists()
    assert listed_rows(admin_client) == rows
    contact.refresh_from_db()
    assert contact.is_anonymised
    assert contact.display_email == "(anonymised)"
    assert "(anonymised)" in admin_client.get(LISTING).content.decode()
    detail = admin_client.get(inspect_url(contact))
    assert detail.status_code == 200
    assert "(anonymised)" in detail.content.decode()
    assert personal_data_in(detail.content.decode()) == []

    # Every purpose is revoked; erasure is the reason unless it was revoked before.
    for assignment in contact.assignments.all():
        assert assignment.revoked_at is not None
        expected = "withdrawn" if assignment.pk == withdrawn.pk else "erasure"
        assert assignment.revocation_reason == expected, assignment.purpose.name
    assert not PurposeAssignment.objects.filter(contact=contact).valid_at().exists()
    assert all(r.evidence is None for r in contact.consent_records.all())

    # Nobody with access to the database, keys included, finds anything of her.
    assert personal_data_in(everything_in_the_database()) == []
    assert Suppression.objects.is_suppressed(EMAIL)
    # Someone else is untouched.
    other.refresh_from_db()
    assert other.email == "someone.else@example.com" and not other.is_anonymised
    assert other.assignments.get().is_valid


@pytest.mark.sqlite
@pytest.mark.parametrize("route", ROUTES)
def test_sqlite_dump_after_anonymising_holds_no_personal_data(person, route):
    eraser = make_user("eraser", "view_contact", "erase_contact")
    before = sqlite_dump()
    assert personal_data_in("\n".join(decrypt_all(before)[0]))  # the probe finds her
    erase_through(route, person.contact, "anonymise", eraser)
    assert_dump_holds_no_personal_data(sqlite_dump())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("route", ROUTES)
def test_pg_dump_after_anonymising_holds_no_personal_data(person, route):
    need(database_is_postgres(), "PostgreSQL")
    eraser = make_user("eraser", "view_contact", "erase_contact")
    assert personal_data_in("\n".join(decrypt_all(pg_dump())[0]))  # the probe finds her
    erase_through(route, person.contact, "anonymise", eraser)
    assert_dump_holds_no_personal_data(pg_dump())


def test_anonymising_twice_changes_nothing_more(person):
    erase_contacts([person.contact], "anonymise")
    person.contact.refresh_from_db()
    first = person.contact.anonymised_at
    assert erase_contacts([person.contact], "anonymise") == 0
    person.contact.refresh_from_db()
    assert person.contact.anonymised_at == first
    assert (
        ModelLogEntry.objects.filter(
            action="wagtail_gdpr_mail.erase", object_id=str(person.contact.pk)
        ).count()
        == 1
    )


# --- Deletion ----------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_deleting_removes_the_contact_and_every_row_about_them(person, route):
    contact, other = person.contact, person.other
    pk = contact.pk
    # A second, unconfirmed signup of hers (different case) and a "my data" request.
    with after_commit():
        PendingSignup.objects.create(
            email=EMAIL.upper(),
            email_index=email_blind_index(EMAIL),
            form_id=person.form_id,
            page=person.page,
            expires_at=timezone.now() + timedelta(days=3),
            data={"first_name": FIRST_NAME, "submission": {"ip": SUBMIT_IP}},
        )
    AccessRequest.objects.create(contact=contact, expires_at=timezone.now() + timedelta(hours=1))
    other_signup = PendingSignup.objects.create(
        email="third@example.com",
        email_index=email_blind_index("third@example.com"),
        form_id=person.form_id,
        expires_at=timezone.now() + timedelta(days=3),
    )
    others = {
        "assignments": other.assignments.count(),
        "records": other.consent_records.count(),
        "memberships": other.memberships.count(),
    }
    eraser = make_user("eraser", "view_contact", "erase_contact")

    erase_through(route, contact, "delete", eraser)

    assert not Contact.objects.filter(pk=pk).exists()
    assert not PurposeAssignment.objects.filter(contact_id=pk).exists()
    assert not ConsentRecord.objects.filter(contact_id=pk).exists()
    assert not ListMembership.objects.filter(contact_id=pk).exists()
    assert not AccessRequest.objects.filter(contact_id=pk).exists()
    assert not PendingSignup.objects.filter(email_index=email_blind_index(EMAIL)).exists()
    assert personal_data_in(everything_in_the_database()) == []
    # Only her rows went.
    assert PendingSignup.objects.filter(pk=other_signup.pk).exists()
    assert Contact.objects.count() == 1
    assert other.assignments.count() == others["assignments"]
    assert other.consent_records.count() == others["records"]
    assert other.memberships.count() == others["memberships"]
    assert Suppression.objects.is_suppressed(EMAIL)
    # The audit log still says it happened (and to which contact number).
    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.erase", object_id=str(pk))
    assert entry.data == {"mode": "delete"}


@pytest.mark.sqlite
def test_sqlite_dump_after_deleting_holds_no_personal_data(person):
    erase_contacts([person.contact], "delete")
    assert_dump_holds_no_personal_data(sqlite_dump())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pg_dump_after_deleting_holds_no_personal_data(person):
    need(database_is_postgres(), "PostgreSQL")
    erase_contacts([person.contact], "delete")
    assert_dump_holds_no_personal_data(pg_dump())


# --- Erased addresses stay out, until the person subscribes anew ------------------------


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_an_erased_address_cannot_be_added_again(person, superuser, mode):
    erase_contacts([person.contact], mode)
    count = Contact.objects.count()
    admin = logged_in(superuser)

    # The admin add form, with the address typed differently.
    add_page = admin.get(ADD_URL)
    assert add_page.status_code == 200
    (form,) = [f for f in page_forms(add_page.content.decode()) if "first_name" in f.values]
    form.values.update(email=f" {EMAIL.upper()} ", first_name="Someone", last_name="Else")
    response = admin.post(ADD_URL, form.values)
    assert response.status_code == 200
    assert "This address was erased or stopped receiving mail" in response.content.decode()
    assert Contact.objects.count() == count

    # Changing another contact's address to it, in the admin.
    other = person.other
    response = admin.post(edit_url(other), {**edit_form(admin, other), "email": EMAIL})
    assert response.status_code == 200
    assert "This address was erased or stopped receiving mail" in response.content.decode()
    other.refresh_from_db()
    assert other.email == "someone.else@example.com"

    # What imports and the API use.
    with pytest.raises(SuppressedAddressError):
        Contact.objects.create(email=EMAIL.title())
    with pytest.raises(SuppressedAddressError):
        Contact(email=EMAIL, first_name="X").save()
    other.email = EMAIL
    with pytest.raises(SuppressedAddressError):
        other.save()
    assert Contact.objects.count() == count
    assert not Contact.objects.by_email(EMAIL).exists()


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_a_fresh_double_opt_in_by_the_person_brings_the_address_back(person, mode):
    erase_contacts([person.contact], mode)
    count = Contact.objects.count()
    assert Suppression.objects.is_suppressed(EMAIL)
    cache.clear()  # some time later: no quiet period or rate limit left from the first signup

    contact = subscribe_and_confirm(person, EMAIL.upper(), first_name=FIRST_NAME)

    assert Contact.objects.count() == count + 1
    assert contact.pk != person.contact.pk
    assert contact.email == EMAIL.upper() and not contact.is_anonymised
    assert not Suppression.objects.for_email(EMAIL).exists()
    assert PurposeAssignment.objects.filter(contact=contact).valid_at().get().purpose == person.main
    record = contact.consent_records.get()
    assert record.event == "given"
    assert record.evidence["suppression_lifted"] == ["erased"]
    assert record.evidence["confirmation"]["ip"] == CONFIRM_IP
    # An ordinary confirmation (nothing suppressed) says nothing of the kind.
    fresh = subscribe_and_confirm(person, "never.erased@example.com")
    assert "suppression_lifted" not in fresh.consent_records.get().evidence


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_subscribing_again_right_after_erasure_sends_the_confirmation_mail(person, mode):
    """Erased by mistake ("erase me" on the self-service page), subscribed again at once:
    the page says "check your mailbox", so a mail must come."""
    erase_contacts([person.contact], mode)
    contact = subscribe_and_confirm(person, EMAIL, first_name=FIRST_NAME)
    assert contact.consent_records.get().evidence["suppression_lifted"] == ["erased"]


def test_suppression_can_be_switched_off(person, settings):
    settings.WAGTAIL_GDPR_MAIL_SUPPRESS_ERASED = False
    erase_contacts([person.contact], "delete")
    assert not Suppression.objects.is_suppressed(EMAIL)
    Contact.objects.create(email=EMAIL)


# --- Permissions ---------------------------------------------------------------------------


def test_without_the_rights_permissions_an_editor_can_neither_export_nor_erase(person):
    contact = person.contact
    editor = make_user("plain-editor", "view_contact", "change_contact", "view_consent_proof")
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
    editor = make_user("plain-editor", "view_contact", "change_contact")
    logged_in(editor).post(bulk_url("delete", person.contact), {"mode": "delete"})
    person.contact.refresh_from_db()
    assert person.contact.email == EMAIL
    assert not Suppression.objects.exists()


def test_each_rights_permission_brings_its_button_and_action(person):
    contact = person.contact
    exporter = logged_in(make_user("exporter", "view_contact", "export_contact"))
    eraser = logged_in(make_user("eraser", "view_contact", "erase_contact"))

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


# --- Exports validate against the shipped schema ------------------------------------------

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def format_checker() -> FormatChecker:
    """jsonschema's checker, with "date-time" even without the optional rfc3339 package."""
    checker = FormatChecker()
    if "date-time" not in checker.checkers:

        @checker.checks("date-time", raises=ValueError)
        def is_date_time(value) -> bool:
            if not isinstance(value, str):
                return True
            if not RFC3339.match(value):
                raise ValueError(f"{value!r} is not an RFC 3339 date-time")
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            return True

    return checker


def validator() -> Draft202012Validator:
    schema = exporting.load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=format_checker())


def assert_valid_export(data: dict) -> None:
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_validator_has_teeth(person):
    data = exporting.export_contact(person.contact)
    data["exported_at"] = "yesterday"
    data["receipts"][0]["consentReceiptID"] = "not-a-uuid"
    messages = [e.message for e in validator().iter_errors(data)]
    assert any("yesterday" in m for m in messages)
    assert any("not-a-uuid" in m for m in messages)


def test_export_of_a_contact_with_history_validates_and_carries_receipts(
    person, make_purpose, controller
):
    contact = person.contact
    second_list = ContactList.objects.create(name="Event visitors")
    ListMembership.objects.create(contact=contact, contact_list=second_list)
    # Renewed, expired, and one on another legal basis.
    assign_purpose(contact, person.main, source=ContactSource.RECONSENT)
    lapsed = make_purpose("Old campaign", years=1)
    assign_purpose(
        contact, lapsed, source=ContactSource.IMPORT, valid_from=timezone.now() - timedelta(700)
    )
    interest = make_purpose(
        "Service notices",
        legal_basis=LegalBasis.objects.get(code="legitimate_interest"),
        years=None,
        internal_note="Order numbers",
    )
    assign_purpose(contact, interest, source=ContactSource.API)

    data = exporting.export_contact(contact)

    assert_valid_export(data)
    assert data["contact"] == {
        **data["contact"],
        "email": EMAIL,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "custom_fields": CUSTOM_FIELDS,
        "anonymised_at": None,
    }
    assert {entry["name"] for entry in data["lists"]} == {
        "Newsletter subscribers",
        "Event visitors",
    }
    statuses = {p["purpose"]: p["status"] for p in data["purposes"]}
    assert statuses == {
        "Newsletter": "valid",
        "Webinar invitations": "revoked",
        "Partner offers": "valid",
        "Old campaign": "expired",
        "Service notices": "valid",
    }
    revoked = next(p for p in data["purposes"] if p["purpose"] == "Webinar invitations")
    assert revoked["revocation_reason"] == "withdrawn"
    assert [h["event"] for h in revoked["history"]] == ["given", "revoked"]
    newsletter = next(p for p in data["purposes"] if p["purpose"] == "Newsletter")
    assert [h["event"] for h in newsletter["history"]] == ["given", "renewed"]
    assert len(data["consent_records"]) == contact.consent_records.count() == 7
    first = data["consent_records"][0]
    assert first["evidence"]["submission"]["ip"] == SUBMIT_IP
    assert first["evidence"]["confirmation"]["user_agent"] == CONFIRM_AGENT
    assert all("salt" not in (r["evidence"] or {}) for r in data["consent_records"])
    # The chain as stored.
    hashes = [r["record_hash"] for r in data["consent_records"]]
    assert [r["previous_hash"] for r in data["consent_records"]][1:] == hashes[:-1]

    assert len(data["receipts"]) == len(data["purposes"]) == 5
    assert data["controller"]["piiController"] == CONTROLLER_NAME
    for receipt in data["receipts"]:
        assert receipt["version"] == "KI-CR-v1.1.0"
        assert receipt["jurisdiction"] == "EU"
        assert isinstance(receipt["consentTimestamp"], int)
        assert receipt["collectionMethod"]
        assert receipt["piiControllers"][0]["piiController"] == CONTROLLER_NAME
        assert receipt["piiControllers"][0]["email"] == "privacy@rights-shop.example"
        assert receipt["legalBasis"]["code"] and receipt["legalBasis"]["article"]
        assert receipt["withdrawalMethod"]
        assert receipt["piiPrincipalId"] == f"contact:{contact.pk}"
    by_purpose = {
        r["services"][0]["purposes"][0]["purposeCategory"][0]: r for r in data["receipts"]
    }
    assert by_purpose["Newsletter"]["collectionMethod"] == "re-consent e-mail"
    assert by_purpose["Newsletter"]["legalBasis"]["code"] == "consent"
    assert by_purpose["Newsletter"]["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    notices = by_purpose["Service notices"]
    assert notices["legalBasis"]["code"] == "legitimate_interest"
    assert notices["services"][0]["purposes"][0]["consentType"] == "NOT_CONSENT"
    assert "Order numbers" in notices["services"][0]["purposes"][0]["piiCategory"]
    assert notices["validUntil"] is None
    assert by_purpose["Webinar invitations"]["status"] == "revoked"
    assert by_purpose["Webinar invitations"]["revokedAt"]
    assert by_purpose["Old campaign"]["status"] == "expired"
    assert len({r["consentReceiptID"] for r in data["receipts"]}) == 5
    # A receipt names the record that proves the consent.
    assert by_purpose["Partner offers"]["consentRecordHash"] in hashes
    # JSON all the way (what the download serialises).
    assert json.loads(exporting.export_json(contact))["contact"]["email"] == EMAIL


def test_export_of_an_anonymised_contact_validates_and_holds_nothing_personal(person):
    erase_contacts([person.contact], "anonymise")
    data = exporting.export_contact(person.contact)
    assert_valid_export(data)
    assert data["contact"]["email"] is None
    assert data["contact"]["first_name"] == data["contact"]["last_name"] == ""
    assert data["contact"]["custom_fields"] == {}
    assert data["contact"]["anonymised_at"]
    assert all(r["evidence"] is None for r in data["consent_records"])
    assert {p["status"] for p in data["purposes"]} == {"revoked"}
    assert personal_data_in(json.dumps(data, ensure_ascii=False)) == []


def test_export_of_a_bare_contact_validates(make_contact):
    contact = make_contact("bare@example.com", first_name="", last_name="")
    data = exporting.export_contact(contact)
    assert_valid_export(data)
    assert data["purposes"] == data["receipts"] == data["consent_records"] == data["lists"] == []


# --- The audit log --------------------------------------------------------------------------


def assert_no_personal_data_in_log(entry: ModelLogEntry) -> None:
    text = f"{entry.label}\n{json.dumps(entry.data)}\n{json.dumps(entry.data, ensure_ascii=False)}"
    assert personal_data_in(text) == [], (entry.action, entry.label, entry.data)


def test_exports_and_erasures_are_logged_without_personal_data(person, make_contact, superuser):
    contact = person.contact
    rights = make_user("rights-officer", "view_contact", "export_contact", "erase_contact")
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


# --- The export command -------------------------------------------------------------------


def test_export_command_writes_valid_json_to_a_file(person, tmp_path):
    output = tmp_path / "export.json"
    err = StringIO()
    call_command("gdpr_mail_export", EMAIL.upper(), "--output", str(output), stderr=err)
    data = json.loads(output.read_text(encoding="utf-8"))
    assert_valid_export(data)
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["first_name"] == FIRST_NAME  # UTF-8, not escaped away
    assert FIRST_NAME in output.read_text(encoding="utf-8")
    assert EMAIL not in err.getvalue()

    out = StringIO()
    call_command("gdpr_mail_export", EMAIL, stdout=out)
    assert_valid_export(json.loads(out.getvalue()))


def test_export_command_refuses_an_unknown_address(person, tmp_path):
    output = tmp_path / "export.json"
    with pytest.raises(CommandError, match="No contact"):
        call_command("gdpr_mail_export", "nobody@example.com", "--output", str(output))
    assert not output.exists()
    assert not ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.export").exists()


def test_an_anonymised_contact_is_no_longer_found_by_the_commands(person):
    erase_contacts([person.contact], "anonymise")
    with pytest.raises(CommandError):
        call_command("gdpr_mail_export", EMAIL)
    with pytest.raises(CommandError):
        call_command("gdpr_mail_erase", EMAIL, "--delete")


# --- Rectification ----------------------------------------------------------------------------


def edit_form(client: Client, contact: Contact) -> dict:
    """The contact's edit form as the browser shows it: every field, hidden ones included."""
    response = client.get(edit_url(contact))
    assert response.status_code == 200
    (form,) = [f for f in page_forms(response.content.decode()) if "first_name" in f.values]
    assert form.values["email"] == contact.email
    return form.values


def test_rectification_is_audited_by_field_name_without_values(person):
    contact = person.contact
    editor = make_user("corrector", "view_contact", "change_contact")
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


# --- Self-service ---------------------------------------------------------------------------


def visitor_client(ip: str = VISITOR_IP) -> Client:
    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ip, HTTP_USER_AGENT=VISITOR_AGENT)


def csrf(client: Client) -> str:
    if "csrftoken" not in client.cookies:
        assert client.get(MY_DATA).status_code == 200
    return client.cookies["csrftoken"].value


def post(client: Client, path: str, data: dict | None = None):
    with after_commit():
        return client.post(path, {**(data or {}), "csrfmiddlewaretoken": csrf(client)})


def ask_for_link(client: Client, email: str):
    return post(client, MY_DATA, {"email": email})


def link_path(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email] and ACCESS_LINK.search(m.body)]
    (path,) = set(ACCESS_LINK.findall(message.body))
    return path


def open_session(client: Client, email: str = EMAIL) -> None:
    assert ask_for_link(client, email).status_code == 200
    path = link_path(email)
    assert client.get(path).status_code == 200
    response = post(client, path)
    assert response.status_code == 302 and response["Location"] == MANAGE


def test_asking_for_a_link_answers_the_same_for_known_and_unknown_addresses(person):
    known = ask_for_link(visitor_client("198.51.100.1"), EMAIL.upper())
    unknown = ask_for_link(visitor_client("198.51.100.2"), "stranger@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    (message,) = [m for m in mail.outbox if "/gdpr-mail/my-data/open/" in m.body]
    assert message.to == [EMAIL]  # the address on file, not what was typed
    assert CONTROLLER_NAME in message.subject
    assert AccessRequest.objects.count() == 1
    # An anonymised contact is unknown now.
    erase_contacts([person.contact], "anonymise")
    mail.outbox.clear()
    again = ask_for_link(visitor_client("198.51.100.3"), EMAIL)
    assert again.status_code == 200 and again.content == unknown.content
    assert mail.outbox == []


def test_invalid_address_re_renders_the_form(person):
    response = ask_for_link(visitor_client(), "not an address")
    assert response.status_code == 400
    assert "<form" in response.content.decode()
    assert not any("/my-data/open/" in m.body for m in mail.outbox)


def test_opening_the_link_is_scanner_safe_and_works_once(person):
    client = visitor_client()
    ask_for_link(client, EMAIL)
    path = link_path(EMAIL)
    access = AccessRequest.objects.get()

    # A mail scanner (or the person) fetches the link: nothing happens.
    for _ in range(3):
        scanned = Client().get(path)
        assert scanned.status_code == 200
        assert "data-gdpr-mail-open" in scanned.content.decode()
    access.refresh_from_db()
    assert access.used_at is None
    assert client.get(MANAGE).status_code == 403

    response = post(client, path)
    assert response.status_code == 302 and response["Location"] == MANAGE
    access.refresh_from_db()
    assert access.used_at is not None
    page = client.get(MANAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert EMAIL in html and "Newsletter" in html

    # Used up: a second press, from anywhere, gets the friendly "no longer valid" page.
    for other in (client, visitor_client("198.51.100.77")):
        again = post(other, path)
        assert again.status_code == 404
        assert "This link is no longer valid" in again.content.decode()
        assert other.get(path).status_code == 404
    assert visitor_client("198.51.100.77").get(MANAGE).status_code == 403


def test_an_expired_or_unknown_link_gets_the_friendly_page(person):
    client = visitor_client()
    ask_for_link(client, EMAIL)
    path = link_path(EMAIL)
    AccessRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(path), post(client, path)):
        assert response.status_code == 404
        assert "This link is no longer valid" in response.content.decode()
    for bad in ("/gdpr-mail/my-data/open/nonsense/", f"/gdpr-mail/my-data/open/{'x' * 300}/"):
        assert client.get(bad).status_code == 404
        assert post(client, bad).status_code == 404
    assert client.get(MANAGE).status_code == 403


def test_download_returns_the_export_valid_against_the_schema(person):
    client = visitor_client()
    open_session(client)
    response = post(client, DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert EMAIL not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert_valid_export(data)
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["custom_fields"] == CUSTOM_FIELDS
    assert ModelLogEntry.objects.filter(
        action="wagtail_gdpr_mail.export", object_id=str(person.contact.pk)
    ).exists()
    # Only by POST (a link in a page cannot trigger it).
    assert client.get(DOWNLOAD).status_code == 405


def test_withdrawing_a_purpose(person):
    client = visitor_client()
    open_session(client)
    newsletter = person.contact.assignments.get(purpose=person.main)
    offers = person.contact.assignments.get(purpose=person.offers)

    response = post(client, withdraw_url(newsletter.pk))
    assert response.status_code == 302 and response["Location"] == MANAGE

    newsletter.refresh_from_db()
    assert newsletter.revoked_at is not None
    assert newsletter.revocation_reason == "withdrawn"
    record = ConsentRecord.objects.filter(assignment=newsletter).last()
    assert record.event == "revoked"
    assert record.evidence["withdrawal"]["ip"] == VISITOR_IP
    assert record.evidence["withdrawal"]["user_agent"] == VISITOR_AGENT
    offers.refresh_from_db()
    assert offers.is_valid
    html = client.get(MANAGE).content.decode()
    row = re.search(r'<tr data-purpose="Newsletter" data-status="(\w+)">(.*?)</tr>', html, re.S)
    assert row and row.group(1) == "revoked" and "Withdrawn" in row.group(2)
    # Withdrawing again changes nothing.
    assert post(client, withdraw_url(newsletter.pk)).status_code == 302
    assert ConsentRecord.objects.filter(assignment=newsletter, event="revoked").count() == 1


def test_withdrawing_someone_elses_purpose_is_a_404(person):
    client = visitor_client()
    open_session(client)
    theirs = person.other.assignments.get()
    records = ConsentRecord.objects.count()
    for pk in (theirs.pk, 999_999):
        response = post(client, withdraw_url(pk))
        assert response.status_code == 404
        assert "no longer valid" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.is_valid and theirs.revoked_at is None
    assert ConsentRecord.objects.count() == records


def test_erasing_needs_the_confirmation_tick(person):
    client = visitor_client()
    open_session(client)
    response = post(client, ERASE_ME)
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-gdpr-mail-erase-me" in html and "This field is required" in html
    assert EMAIL in html  # the same page, re-rendered
    person.contact.refresh_from_db()
    assert not person.contact.is_anonymised
    assert client.get(MANAGE).status_code == 200  # still signed in


def test_erasing_anonymises_and_ends_the_session(person):
    client = visitor_client()
    open_session(client)
    contacts = Contact.objects.count()
    response = post(client, ERASE_ME, {"confirm": "on"})
    assert response.status_code == 200
    assert "data-gdpr-mail-erased" in response.content.decode()
    person.contact.refresh_from_db()
    assert person.contact.is_anonymised
    assert Contact.objects.count() == contacts
    assert Suppression.objects.is_suppressed(EMAIL)
    assert ModelLogEntry.objects.get(action="wagtail_gdpr_mail.erase").data == {"mode": "anonymise"}
    for response in (client.get(MANAGE), post(client, DOWNLOAD), post(client, ERASE_ME)):
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()
    assert personal_data_in(everything_in_the_database()) == []


def test_erasing_deletes_when_the_site_says_so(person, settings):
    settings.WAGTAIL_GDPR_MAIL_SELF_SERVICE_ERASURE_MODE = "delete"
    client = visitor_client()
    open_session(client)
    pk = person.contact.pk
    response = post(client, ERASE_ME, {"confirm": "on"})
    assert response.status_code == 200
    assert not Contact.objects.filter(pk=pk).exists()
    assert client.get(MANAGE).status_code == 403


def test_no_or_expired_session_gets_the_friendly_page_never_an_error(person):
    newsletter = person.contact.assignments.get(purpose=person.main)
    stranger = visitor_client()
    actions = [
        lambda c: c.get(MANAGE),
        lambda c: post(c, DOWNLOAD),
        lambda c: post(c, withdraw_url(newsletter.pk)),
        lambda c: post(c, ERASE_ME, {"confirm": "on"}),
    ]
    for action in actions:
        response = action(stranger)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()

    client = visitor_client()
    open_session(client)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "until": time.time() - 1}
    session.save()
    for action in actions:
        response = action(client)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()

    newsletter.refresh_from_db()
    assert newsletter.is_valid
    person.contact.refresh_from_db()
    assert not person.contact.is_anonymised


@pytest.mark.parametrize("minutes", [30, 5])
def test_the_session_runs_out_after_the_configured_minutes(person, settings, minutes):
    settings.WAGTAIL_GDPR_MAIL_SELF_SERVICE_SESSION_MINUTES = minutes
    client = visitor_client()
    open_session(client)
    started = time.time()
    clock = SimpleNamespace(time=lambda: started + minutes * 60 - 10)
    with mock.patch("wagtail_gdpr_mail.views.self_service.time", clock):
        assert client.get(MANAGE).status_code == 200
        clock.time = lambda: started + minutes * 60 + 10
        response = client.get(MANAGE)
        assert response.status_code == 403
        assert "Your session has ended" in response.content.decode()
    # Once ended, it stays ended.
    assert client.get(MANAGE).status_code == 403


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP=(2, 3600))
def test_link_requests_are_rate_limited_per_ip(person):
    client = visitor_client()
    for _ in range(2):
        assert ask_for_link(client, "stranger@example.com").status_code == 200
    blocked = ask_for_link(client, EMAIL)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert AccessRequest.objects.count() == 0
    assert not any("/my-data/open/" in m.body for m in mail.outbox)
    # Another connection is not affected.
    assert ask_for_link(visitor_client("198.51.100.200"), EMAIL).status_code == 200
    assert AccessRequest.objects.count() == 1


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS=(2, 3600))
def test_link_requests_are_limited_per_address_without_telling(person):
    responses = [ask_for_link(visitor_client(f"198.51.100.{i}"), EMAIL) for i in range(10, 14)]
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len([m for m in mail.outbox if "/my-data/open/" in m.body]) == 2


# --- Proof integrity ------------------------------------------------------------------------


def verify(*args: str) -> tuple[int, str, str]:
    """Run ``manage.py gdpr_mail_verify_consent`` as from the shell: exit status, out, err."""
    out, err = StringIO(), StringIO()
    command = VerifyCommand(stdout=out, stderr=err)
    # run_from_argv closes every connection at the end; the test still needs its own.
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", "gdpr_mail_verify_consent", "--skip-checks", *args])
            status = 0
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def chains(person):
    """Three contacts with consent records; Zdeňka has five (given×3, revoked, renewed)."""
    assign_purpose(person.contact, person.main, source=ContactSource.RECONSENT)
    records = list(person.contact.consent_records.order_by("pk"))
    assert len(records) == 5
    return SimpleNamespace(records=records, **vars(person))


def test_verify_reports_ok_on_intact_chains_also_after_anonymisation(chains, make_contact):
    status, out, _ = verify()
    assert status == 0 and "verify" in out
    erase_contacts([chains.contact], "anonymise")
    status, out, err = verify()
    assert status == 0, out + err
    assert "All consent records of 2 contact(s) verify." in out
    call_command("gdpr_mail_verify_consent", stdout=StringIO())  # no CommandError
    status, out, _ = verify("--contact", str(chains.contact.pk))
    assert status == 0 and "1 contact(s)" in out


def assert_reported(status: int, out: str, err: str, record: ConsentRecord) -> None:
    assert status == 1, (status, out, err)
    assert f"consent record #{record.pk}" in out
    assert "CommandError" in err and "problem" in err
    with pytest.raises(CommandError):
        call_command("gdpr_mail_verify_consent", stdout=StringIO())


def test_verify_reports_a_changed_event(chains):
    record = chains.records[2]
    ConsentRecord.objects.filter(pk=record.pk).update(event="revoked")
    assert_reported(*verify(), record)


def test_verify_reports_a_changed_date_even_after_anonymisation(chains):
    erase_contacts([chains.contact], "anonymise")
    record = chains.records[1]
    ConsentRecord.objects.filter(pk=record.pk).update(
        occurred_at=record.occurred_at - timedelta(days=400)
    )
    assert_reported(*verify(), record)


def test_verify_reports_a_deleted_middle_record(chains):
    removed, following = chains.records[2], chains.records[3]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ConsentRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [removed.pk],
        )
    status, out, err = verify()
    assert_reported(status, out, err, following)
    assert "removed" in out


def test_verify_reports_corrupted_evidence_ciphertext(chains):
    record = chains.records[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT evidence FROM {ConsentRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [record.pk],
        )
        (stored,) = cursor.fetchone()
        # Flip one character in the middle of the ciphertext body.
        middle = len(stored) // 2
        flipped = "A" if stored[middle] != "A" else "B"
        cursor.execute(
            f"UPDATE {ConsentRecord._meta.db_table} SET evidence = %s WHERE id = %s",  # noqa: S608
            [stored[:middle] + flipped + stored[middle + 1 :], record.pk],
        )
    status, out, err = verify()
    assert_reported(status, out, err, record)
    assert "evidence" in out


def test_verify_reports_evidence_swapped_between_records(chains):
    """A valid ciphertext from another record of the same column decrypts, but its
    content does not match the digest."""
    first, second = chains.records[0], chains.records[1]
    table = ConsentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT evidence FROM {table} WHERE id = %s", [first.pk])  # noqa: S608
        (stored,) = cursor.fetchone()
        cursor.execute(
            f"UPDATE {table} SET evidence = %s WHERE id = %s",  # noqa: S608
            [stored, second.pk],
        )
    assert_reported(*verify(), second)
