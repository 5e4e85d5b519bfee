"""After an erasure, a raw dump of the database holds none of the person's data, not even
in a ciphertext.
"""

from __future__ import annotations

import pytest

from tests.helpers.dumps import pg_dump, sqlite_dump
from tests.helpers.rights import (
    ROUTES,
    assert_dump_holds_no_personal_data,
    decrypt_all,
    erase_through,
    personal_data_in,
)
from tests.helpers.services import database_is_postgres, need
from tests.helpers.users import make_user
from wagtail_gdpr_mail.rights.erasure import erase_contacts


@pytest.mark.sqlite
@pytest.mark.parametrize("route", ROUTES)
def test_sqlite_dump_after_anonymising_holds_no_personal_data(person, route):
    eraser = make_user("eraser", ["view_contact", "erase_contact"])
    before = sqlite_dump()
    assert personal_data_in("\n".join(decrypt_all(before)[0]))  # the probe finds her
    erase_through(route, person.contact, "anonymise", eraser)
    assert_dump_holds_no_personal_data(sqlite_dump())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("route", ROUTES)
def test_pg_dump_after_anonymising_holds_no_personal_data(person, route):
    need(database_is_postgres(), "PostgreSQL")
    eraser = make_user("eraser", ["view_contact", "erase_contact"])
    assert personal_data_in("\n".join(decrypt_all(pg_dump())[0]))  # the probe finds her
    erase_through(route, person.contact, "anonymise", eraser)
    assert_dump_holds_no_personal_data(pg_dump())


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
