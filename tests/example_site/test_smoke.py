"""The example site runs as a user would run it: migrate, load the demo, check, browse.

Everything runs in subprocesses with ``DJANGO_SETTINGS_MODULE=example_site.settings``
and a temporary SQLite database (see ``conftest.py``); the main suite never imports
the demo.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.keygen import new_keys

from .conftest import MANAGE


@pytest.fixture(scope="module")
def loaded(demo):
    demo.manage("load_demo")
    demo.manage("load_demo")  # idempotent: nothing doubles
    return demo


def test_the_demo_loads_and_passes_the_checks(loaded):
    assert "System check identified no issues" in loaded.manage("check")
    # The demo's own migrations keep up with its models.
    assert "No changes detected" in loaded.manage("makemigrations", "--check", "--dry-run")


def test_the_demo_has_a_ready_newsletter_campaign(loaded):
    out = loaded.manage("gdpr_mail_campaign", "send", "Demo newsletter", "--dry-run")
    assert "Recipients: 2" in out  # the two demo contacts who hold the newsletter purpose
    assert "Cannot be sent" not in out


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


# --- Production settings ---------------------------------------------------------------

DEPLOYMENT_DOC = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"


def documented_environment() -> dict[str, str]:
    """The ``export`` lines of docs/deployment.md, with fresh values for the placeholders."""
    block = DEPLOYMENT_DOC.read_text(encoding="utf-8").split("```shell", 1)[1].split("```", 1)[0]
    keys = new_keys("prod1")
    env = {}
    for line in block.strip().splitlines():
        name, value = line.removeprefix("export ").split("=", 1)
        value = value.strip("'")
        if value.startswith("<python -m wagtail_gdpr_mail.keygen"):
            value = keys[name]
        elif "<" in value:
            value = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(48), value)
        env[name] = value
    return env


def run_check(demo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), "check", *args],
        env={**demo.env, "DJANGO_DEBUG": "", **env},
        cwd=demo.folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_without_an_environment_the_site_runs_without_debug_and_refuses_to_start(demo):
    env = {**demo.env}
    env.pop("DJANGO_DEBUG")
    result = subprocess.run(
        [sys.executable, str(MANAGE), "check"],
        env=env,
        cwd=demo.folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    # No published demo key is used outside DEBUG, and open webhooks are refused.
    for check_id in ("wagtail_gdpr_mail.E001", "wagtail_gdpr_mail.E002", "wagtail_gdpr_mail.E010"):
        assert check_id in result.stderr


def test_the_documented_environment_passes_check_deploy_without_a_warning(demo, tmp_path):
    env = documented_environment()
    assert {"DJANGO_SECRET_KEY", "ANYMAIL_WEBHOOK_SECRET"} <= set(env)
    env["DJANGO_DEBUG"] = "0"
    # A database of its own: the demo's rows are under the demo keys, which this
    # environment (rightly) does not know.
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'production.sqlite3'}"
    migrate = subprocess.run(
        [sys.executable, str(MANAGE), "migrate", "--noinput"],
        env={**demo.env, **env},
        cwd=demo.folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-4000:]
    result = run_check(demo, env, "--deploy")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
