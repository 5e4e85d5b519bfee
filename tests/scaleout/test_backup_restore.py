"""The restore drill of docs/deployment.md, run: ``pg_dump`` the database, restore the
dump into a fresh database, and there verify every consent chain
(``gdpr_mail_verify_consent``), find no unreadable value (``gdpr_mail_unreadable``) and
decrypt a sample contact (``gdpr_mail_export``) — with the keys from the settings,
never from the dump, which holds only ciphertext."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from tests.helpers.processes import ROOT
from tests.helpers.services import database_is_postgres, database_url, need
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import ContactSource, PurposeAssignment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE = [
    ("restore.anezka@example.cz", "Anežka", "Dvořáková"),
    ("restore.bohumil@example.cz", "Bohumil", "Šťastný"),
    ("restore.cecilie@example.cz", "Cecílie", "Marková"),
]


def pg_args() -> list[str]:
    db = connection.settings_dict
    return [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]


def pg(*command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPASSWORD": connection.settings_dict.get("PASSWORD") or ""}
    result = subprocess.run(
        [command[0], *pg_args(), *command[1:]], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def manage(database: str, *args: str) -> subprocess.CompletedProcess:
    """``manage.py <args>`` of the test project on ``database``, in a new process."""
    url = urlsplit(database_url())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.test_project.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def fresh_database():
    need(database_is_postgres(), "PostgreSQL")
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    pg("createdb", name)
    yield name
    pg("dropdb", "--if-exists", name)


def test_a_restored_dump_verifies_and_decrypts_with_the_keys_from_the_settings(
    make_contact, make_purpose, fresh_database, tmp_path
):
    newsletter, events = make_purpose("Newsletter"), make_purpose("Events")
    for email, first, last in PEOPLE:
        contact = make_contact(email, first_name=first, last_name=last)
        assign_purpose(contact, newsletter, source=ContactSource.FORM)
        assignment, _ = assign_purpose(contact, events, source=ContactSource.FORM)
        if first == "Bohumil":
            revoke_assignment(assignment, reason=PurposeAssignment.RevocationReason.WITHDRAWN)

    # The backup: pg_dump's custom format, as the drill takes it.
    dump = tmp_path / "gdpr-mail.dump"
    pg(
        "pg_dump",
        "--format=custom",
        "--no-owner",
        "--file",
        str(dump),
        connection.settings_dict["NAME"],
    )
    plain = pg("pg_restore", "--file", "-", str(dump)).stdout  # the dump as SQL text
    for email, first, last in PEOPLE:
        for value in (email, email.split("@")[0], first, last):
            assert value not in plain, f"{value!r} is readable in the backup"

    # The restore, into a database that never saw the data.
    pg("pg_restore", "--no-owner", "--dbname", fresh_database, str(dump))

    verified = manage(fresh_database, "gdpr_mail_verify_consent")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"All consent records of {len(PEOPLE)} contact(s) verify." in verified.stdout

    readable = manage(fresh_database, "gdpr_mail_unreadable")
    assert readable.returncode == 0, readable.stdout + readable.stderr
    assert "No unreadable values." in readable.stdout

    email, first, last = PEOPLE[1]
    exported = manage(fresh_database, "gdpr_mail_export", email)
    assert exported.returncode == 0, exported.stderr
    sample = json.loads(exported.stdout)
    assert email in exported.stdout and first in json.dumps(sample, ensure_ascii=False)
