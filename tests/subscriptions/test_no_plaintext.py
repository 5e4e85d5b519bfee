"""After subscribing and confirming, nothing personal is stored in plain text."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from tests.helpers.dumps import pg_dump, sqlite_dump, sqlite_file_bytes
from tests.helpers.links import confirm_links, confirm_path
from tests.helpers.services import database_is_postgres, need
from tests.helpers.subscribing import (
    CONFIRM_AGENT,
    CONFIRM_IP,
    EMAIL,
    FIRST,
    LAST,
    VISITOR_AGENT,
    VISITOR_IP,
    make_visitor,
    press_confirm,
    subscribe_default,
)
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


# --- Nothing in plain text at rest -----------------------------------------------------------


def _personal_values() -> list[str]:
    values = [EMAIL, "kvetoslava.nova", FIRST, LAST, VISITOR_IP, CONFIRM_IP]
    values += [VISITOR_AGENT, CONFIRM_AGENT, "SubscriptionTester", "ConfirmingPhone"]
    # JSON may escape non-ASCII characters; look for those spellings too.
    values += [json.dumps(v)[1:-1] for v in values]
    return values


def assert_no_plaintext(dump: str, extra: list[str] = ()) -> None:
    for value in [*_personal_values(), *extra]:
        assert value.lower() not in dump.lower(), f"{value!r} is in the dump in plain text"


def _full_flow(sp) -> str:
    """Subscribe (ticking the optional purpose); return the link from the mail."""
    subscribe_default(sp, tick=[sp.extra])
    (link,) = set(confirm_links(mail.outbox))
    return link


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sqlite_dump_after_subscribe_and_confirm_holds_no_plaintext(
    subscription_page, tmp_path
):
    sp = subscription_page
    link = _full_flow(sp)
    token = link.rstrip("/").rsplit("/", 1)[1]
    pending_dump = sqlite_dump()
    assert "gm1$test1$" in pending_dump
    assert_no_plaintext(pending_dump, [token])

    press_confirm(make_visitor(CONFIRM_IP, CONFIRM_AGENT), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1 and ConsentRecord.objects.count() == 2
    dump = sqlite_dump()
    assert_no_plaintext(dump, [token])
    raw = sqlite_file_bytes(tmp_path).decode("utf-8", errors="replace")
    assert_no_plaintext(raw, [token])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pg_dump_after_subscribe_and_confirm_holds_no_plaintext(subscription_page):
    need(database_is_postgres(), "PostgreSQL")
    sp = subscription_page
    link = _full_flow(sp)
    token = link.rstrip("/").rsplit("/", 1)[1]
    press_confirm(make_visitor(CONFIRM_IP, CONFIRM_AGENT), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1 and ConsentRecord.objects.count() == 2
    dump = pg_dump()
    assert "gm1$test1$" in dump
    assert_no_plaintext(dump, [token])
