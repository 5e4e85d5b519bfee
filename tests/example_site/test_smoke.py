"""The example site runs as a user would run it: migrate, load the demo, check, browse.

Everything runs in subprocesses with ``DJANGO_SETTINGS_MODULE=example_site.settings``
and a temporary SQLite database (see ``conftest.py``); the main suite never imports
the demo.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def loaded(demo):
    demo.manage("load_demo")
    demo.manage("load_demo")  # idempotent: nothing doubles
    return demo


def test_the_demo_loads_and_passes_the_checks(loaded):
    assert "System check identified no issues" in loaded.manage("check")
    # The demo's own migrations keep up with its models.
    assert "No changes detected" in loaded.manage("makemigrations", "--check", "--dry-run")


def test_the_demo_pages_answer(loaded):
    pages = loaded.probe()["pages"]
    assert {path: page["status"] for path, page in pages.items()} == {
        "/": 200,
        "/admin/login/": 200,
        "/privacy/": 200,
        "/gdpr-mail/my-data/": 200,
    }
    assert "data-gdpr-mail-form" in pages["/"]["html"]  # the home page's subscription form
    assert "Privacy policy" in pages["/privacy/"]["html"]


def test_ropa_command_lists_every_demo_purpose_with_basis_retention_and_recipients(loaded):
    ropa = json.loads(loaded.manage("gdpr_mail_ropa", "--format", "json"))
    state = loaded.probe()

    assert ropa["controller"]["name"] == "Demo Shop s.r.o."
    assert ropa["controller"]["email"]
    assert ropa["dpo"]["name"] == "Jan Dvořák"
    assert ropa["dpo"]["email"] == "dpo@example.com"
    assert ropa["security_measures"]

    activities = {a["purpose"]: a for a in ropa["processing_activities"] if a["kind"] == "purpose"}
    assert set(activities) == set(state["purposes"])
    assert len(activities) >= 4
    newsletter = activities["Newsletter"]
    assert newsletter["legal_basis"]["code"] == "consent"
    assert newsletter["legal_basis"]["article"] == "Art. 6(1)(a) GDPR"
    assert newsletter["retention"] == "3 years"
    assert activities["Invoices"]["retention"] == "10 years"

    for activity in activities.values():
        recipients = {r["name"]: r for r in activity["recipients"]}
        us = next(r for r in recipients.values() if r["country"] == "US")
        assert us["leaves_eea"] is True
        assert us["safeguard"] == "scc"
        assert "contractual clauses" in us["transfer_basis"]
        eu = next(r for r in recipients.values() if r["country"] == "CZ")
        assert eu["leaves_eea"] is False
        assert us["name"] in {t["recipient"] for t in activity["transfers"]}
        assert eu["name"] not in {t["recipient"] for t in activity["transfers"]}

    assert state["subprocessors"] == 3
    assert state["agreements"] == 1
    assert state["sub_processor_pages"] == 1
