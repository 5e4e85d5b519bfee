"""``python -m wagtail_gdpr_mail.keygen``: a command line that explains itself, prints
environment lines and refuses key ids the settings would not accept."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.checks import Error
from django.test import override_settings

from tests.helpers.keygen import environment_lines, keygen
from wagtail_gdpr_mail.checks import check_encryption_keys
from wagtail_gdpr_mail.crypto import parse_keys

NAMES = (
    "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS",
    "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS",
    "WAGTAIL_GDPR_MAIL_CHAIN_KEYS",
)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_no_keys(flag):
    result = keygen(flag)
    assert result.returncode == 0
    assert result.stdout.startswith("usage:")
    assert "KEY_ID" in result.stdout
    assert "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=" not in result.stdout


def test_without_an_id_the_keys_are_called_k1():
    result = keygen()
    assert result.returncode == 0, result.stderr
    printed = environment_lines(result.stdout)
    assert tuple(printed) == NAMES
    assert [parse_keys(value, name)[0].id for name, value in printed.items()] == ["k1"] * 3


def test_the_key_id_given_is_used():
    printed = environment_lines(keygen("2026-b_1").stdout)
    assert [value.split(":")[0] for value in printed.values()] == ["2026-b_1"] * 3


@pytest.mark.parametrize("bad_id", ["--bogus", "k 1", "k:1", "a" * 17, "ключ"])
def test_a_bad_key_id_is_refused_with_a_message(bad_id):
    result = keygen(bad_id)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage:" in result.stderr and "error:" in result.stderr


def test_keys_are_new_on_every_run():
    assert environment_lines(keygen().stdout) != environment_lines(keygen().stdout)


def test_the_documented_settings_let_the_app_check_report_a_missing_key(monkeypatch):
    """docs/installation.md reads the keys with os.environ.get: an unset variable gives
    None, and the app's own system check names the setting instead of a KeyError."""
    monkeypatch.delenv("WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS", raising=False)
    installation = (Path(__file__).parents[2] / "docs" / "installation.md").read_text()
    assert 'os.environ["WAGTAIL_GDPR_MAIL_' not in installation
    line = next(
        line
        for line in installation.splitlines()
        if line.startswith("WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS = ")
    )
    namespace: dict = {}
    exec("import os\n" + line, namespace)  # noqa: S102 - the documented line itself
    with override_settings(
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=namespace["WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS"]
    ):
        messages = check_encryption_keys()
    assert messages and all(isinstance(m, Error) for m in messages)
    assert "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS" in messages[0].msg
