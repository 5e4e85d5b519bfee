"""After the API's flows, a copy of the database holds no address, name or key in clear."""

from __future__ import annotations

import pytest

from tests.helpers.dumps import pg_dump, sqlite_dump
from tests.helpers.services import database_is_postgres

from .conftest import ApiClient, make_key

pytestmark = pytest.mark.django_db

SECRETS = ("petra.dvorakova@example.com", "Petra", "Dvořáková", "Olomouc", "eva@example.com")


def test_a_dump_after_the_api_flows_holds_no_personal_data(purpose):
    _key, raw = make_key()
    api = ApiClient(raw)
    created = api.post(
        "contacts/",
        {
            "email": "petra.dvorakova@example.com",
            "first_name": "Petra",
            "last_name": "Dvořáková",
            "custom_fields": {"city": "Olomouc"},
            "purposes": [purpose.pk],
            "proof_note": "Petra signed up at the Olomouc fair",
        },
        headers={"Idempotency-Key": "petra-1"},
    ).json()
    api.post("contacts/lookup/", {"email": "petra.dvorakova@example.com"})
    api.patch(f"contacts/{created['id']}/", {"last_name": "Dvořáková"})
    api.post("contacts/", {"email": "eva@example.com", "purposes": [purpose.pk], "doi": True})
    api.get(f"contacts/{created['id']}/export/")
    dump = pg_dump() if database_is_postgres() else sqlite_dump()
    for secret in (*SECRETS, raw):
        assert secret not in dump
