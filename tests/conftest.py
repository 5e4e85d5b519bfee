"""Shared fixtures and the rules for tests that need a real service.

Tests marked ``postgres`` run in the PostgreSQL pass of ``make test`` and tests
marked ``sqlite`` in the SQLite pass; each is deselected, not skipped, in the
other pass. A test that needs Chromium or
Redis skips where the service is missing — unless ``CI`` is set, where it fails:
CI must never go green by skipping the real parts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection

from wagtail_gdpr_mail.models import (
    Contact,
    ContactList,
    LegalBasis,
    ListMembership,
    ProcessingPurpose,
    RetentionUnit,
)

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = "/usr/bin/chromium"


def need(available: bool, what: str) -> None:
    """Skip (or, in CI, fail) when a real service the test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.")
    pytest.skip(f"{what} is not available on this machine.")


def database_is_postgres() -> bool:
    return connection.vendor == "postgresql"


def sqlite_dump() -> str:
    """Everything in the (SQLite) test database, as SQL text."""
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def sqlite_file_bytes(folder) -> bytes:
    """The (in-memory) SQLite test database written to a file, byte for byte."""
    import sqlite3

    connection.ensure_connection()
    path = folder / "copy.sqlite3"
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    return path.read_bytes()


def pg_dump() -> str:
    """``pg_dump --data-only`` of the (PostgreSQL) test database, as text."""
    settings_dict = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            settings_dict.get("HOST") or "127.0.0.1",
            "-p",
            str(settings_dict.get("PORT") or 5432),
            "-U",
            settings_dict.get("USER") or "postgres",
            settings_dict["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    other_pass = "sqlite" if "postgresql" in engine else "postgres"
    selected, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker(other_pass) else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture
def chromium_path() -> str:
    need(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), "Chromium")
    return CHROMIUM


@pytest.fixture
def legal_basis(db) -> LegalBasis:
    return LegalBasis.objects.get(code="consent")


@pytest.fixture
def make_purpose(db, legal_basis):
    counter = {"n": 0}

    def make(name: str | None = None, *, years: int | None = 3, **kwargs) -> ProcessingPurpose:
        counter["n"] += 1
        purpose = ProcessingPurpose.objects.create(
            name=name or f"Purpose {counter['n']}",
            legal_basis=kwargs.pop("legal_basis", legal_basis),
            retention_amount=years,
            retention_unit=RetentionUnit.YEARS,
            visitor_text=kwargs.pop("visitor_text", "We will send you our newsletter."),
            **kwargs,
        )
        purpose.save_revision(log_action=False)
        return purpose

    return make


@pytest.fixture
def purpose(make_purpose) -> ProcessingPurpose:
    return make_purpose("Newsletter")


@pytest.fixture
def make_contact(db):
    counter = {"n": 0}

    def make(email: str | None = None, **kwargs) -> Contact:
        counter["n"] += 1
        return Contact.objects.create(
            email=email or f"person{counter['n']}@example.com",
            first_name=kwargs.pop("first_name", "Jana"),
            last_name=kwargs.pop("last_name", "Nováková"),
            **kwargs,
        )

    return make


@pytest.fixture
def contact(make_contact) -> Contact:
    return make_contact("jana.novakova@example.com", custom_fields={"city": "Kroměříž"})


@pytest.fixture
def contact_list(db) -> ContactList:
    return ContactList.objects.create(name="Newsletter subscribers")


@pytest.fixture
def member(contact, contact_list):
    def join(c: Contact = contact, days_ago: int = 0) -> ListMembership:
        from django.utils import timezone

        return ListMembership.objects.create(
            contact=c, contact_list=contact_list, added_at=timezone.now() - timedelta(days=days_ago)
        )

    return join


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", "password")


def _editor(username: str, codenames: list[str]):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "password")
    group = Group.objects.create(name=f"{username} group")
    group.permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        *Permission.objects.filter(
            content_type__app_label="wagtail_gdpr_mail", codename__in=codenames
        ),
    )
    user.groups.add(group)
    return user


@pytest.fixture
def viewer(db):
    """An editor who may see contacts but not change purposes or see consent proof."""
    return _editor("viewer", ["view_contact"])


@pytest.fixture
def editor(db):
    """An editor who may see contacts, assign and revoke purposes and see consent proof."""
    return _editor(
        "editor",
        [
            "view_contact",
            "change_contact",
            "view_contactlist",
            "add_purposeassignment",
            "change_purposeassignment",
            "view_consent_proof",
        ],
    )
