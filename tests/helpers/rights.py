"""What the data-subject rights tests share: Zdeňka, the person whose data is exported
and erased, the admin URLs of the rights, and probes for personal data in the database."""

from __future__ import annotations

import json
import re
from collections import Counter
from contextlib import contextmanager
from datetime import datetime
from io import StringIO
from urllib.parse import urlencode

from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client, TestCase
from django.urls import reverse
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for

from wagtail_gdpr_mail.crypto import ROW_KEY, associated_data, encrypted_fields, get_cipher
from wagtail_gdpr_mail.exceptions import DecryptionError
from wagtail_gdpr_mail.models import Contact, PurposeAssignment
from wagtail_gdpr_mail.rights import export as exporting

from .html_forms import parse_forms
from .links import ACCESS_LINK, access_path, confirm_path

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
#: Vendula, who manages her data herself in the browser tests.
SELF_SERVICE_EMAIL = "vendula.samoobsluzna@example.cz"

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
ADD_URL = LISTING + "add/"
SUBSCRIBE_PATH = "/gdpr-mail/subscribe/"
MY_DATA = "/gdpr-mail/my-data/"
MANAGE = MY_DATA + "manage/"
DOWNLOAD = MANAGE + "download/"
ERASE_ME = MANAGE + "erase/"

VISITOR_IP, VISITOR_AGENT = "198.51.100.99", "Mozilla/5.0 (Macintosh) SelfServiceTester/1.23"


def inspect_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])


def edit_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:edit", args=[contact.pk])


def export_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:export", args=[contact.pk])


def erase_url(contact) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:erase", args=[contact.pk])


def bulk_url(action: str, *contacts) -> str:
    query = urlencode([("next", LISTING), *[("id", c.pk) for c in contacts]])
    return f"/admin/bulk/wagtail_gdpr_mail/contact/{action}/?{query}"


def withdraw_url(pk: int) -> str:
    return f"{MANAGE}withdraw/{pk}/"


@contextmanager
def after_commit():
    """Run the after-commit callbacks (the eager mail tasks) of what happens inside."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def logged_in(user) -> Client:
    client = Client(REMOTE_ADDR=ADMIN_IP, HTTP_USER_AGENT=ADMIN_AGENT)
    client.force_login(user)
    return client


def subscribe_and_confirm(
    site, email: str, *, first_name: str = "", last_name: str = "", extra: bool = False
) -> Contact:
    """A person fills in the form, gets the mail, opens the link and presses Confirm."""
    visitor = Client(enforce_csrf_checks=True, REMOTE_ADDR=SUBMIT_IP, HTTP_USER_AGENT=SUBMIT_AGENT)
    response = visitor.get(site.page.url)
    assert response.status_code == 200
    (form,) = [f for f in parse_forms(response.content.decode()) if f.action == SUBSCRIBE_PATH]
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
    path = confirm_path(message)

    # The link is opened on another device (the phone).
    phone = Client(enforce_csrf_checks=True, REMOTE_ADDR=CONFIRM_IP, HTTP_USER_AGENT=CONFIRM_AGENT)
    page = phone.get(path)
    assert page.status_code == 200
    (confirm_form,) = [f for f in parse_forms(page.content.decode()) if f.method == "post"]
    with after_commit():
        done = phone.post(confirm_form.action or path, confirm_form.values)
    assert done.status_code == 200, done.content.decode()[:500]
    return Contact.objects.by_email(email).get()


# --- A visitor on the "my data" pages -------------------------------------------------


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
    return access_path(message)


def open_session(client: Client, email: str = EMAIL) -> None:
    assert ask_for_link(client, email).status_code == 200
    path = link_path(email)
    assert client.get(path).status_code == 200
    response = post(client, path)
    assert response.status_code == 302 and response["Location"] == MANAGE


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
    """Decrypt every ciphertext in a dump (trying every encrypted column's binding: each
    field of each row there is)."""
    cipher = get_cipher()
    bindings = [
        associated_data(model, field.name, row_key)
        for model in apps.get_models()
        if encrypted_fields(model)
        for row_key in model._base_manager.values_list(ROW_KEY, flat=True)
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


# --- Exports validate against the shipped schema ---------------------------------------

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


def receipt_validator():
    """The Kantara Consent Receipt v1.1 schema shipped with the app."""
    schema = exporting.load_receipt_schema()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def assert_valid_receipt(receipt: dict) -> None:
    errors = sorted(receipt_validator().iter_errors(receipt), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def assert_valid_export(data: dict) -> None:
    """Valid against the export schema, and every receipt against the Kantara schema."""
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    for receipt in data["receipts"]:
        assert_valid_receipt(receipt)


# --- The admin's edit form ------------------------------------------------------------


def edit_form(client: Client, contact: Contact) -> dict:
    """The contact's edit form as the browser shows it: every field, hidden ones included."""
    response = client.get(edit_url(contact))
    assert response.status_code == 200
    (form,) = [f for f in parse_forms(response.content.decode()) if "first_name" in f.values]
    assert form.values["email"] == contact.email
    return form.values
