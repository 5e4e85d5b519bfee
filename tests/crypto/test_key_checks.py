"""Public and non-random keys are refused outside DEBUG (issue 9, item 5)."""

from __future__ import annotations

import base64

import pytest
from django.core.checks import Error, Warning
from django.test import override_settings

from wagtail_gdpr_mail.checks import check_key_strength
from wagtail_gdpr_mail.crypto import generate_key_entry

# The keys the example site publishes in its settings.py.
DEMO_ENCRYPTION = "demo1:ZGVtby1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="
DEMO_BLIND_INDEX = "demo1:ZGVtby1vbmx5LWJsaW5kLWluZGV4LWtleS0zMmJ5dGU="


def entry(key_id: str, secret: bytes) -> str:
    return f"{key_id}:{base64.urlsafe_b64encode(secret).decode()}"


def checked(encryption: list[str], blind_index: list[str], *, debug: bool):
    with override_settings(
        DEBUG=debug,
        WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS=encryption,
        WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS=blind_index,
    ):
        return check_key_strength()


def test_random_keys_pass():
    assert checked([generate_key_entry("k1")], [generate_key_entry("i1")], debug=False) == []


def test_the_published_demo_keys_are_an_error_outside_debug():
    messages = checked([DEMO_ENCRYPTION], [DEMO_BLIND_INDEX], debug=False)
    assert [(type(m), m.id) for m in messages] == [(Error, "wagtail_gdpr_mail.E031")] * 2
    assert "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS: key 'demo1' is a demo key" in messages[0].msg
    assert "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS" in messages[1].msg
    assert "keygen" in messages[0].hint
    # Under another id, or as an old key kept for rotation: still the same public key.
    renamed = "prod:" + DEMO_ENCRYPTION.split(":", 1)[1]
    messages = checked([generate_key_entry("k2"), renamed], [DEMO_BLIND_INDEX], debug=False)
    assert [m.id for m in messages] == ["wagtail_gdpr_mail.E031"] * 2
    assert "key 'prod'" in messages[0].msg


def test_the_demo_keys_are_fine_in_debug():
    """The example site runs on them with DEBUG on, on purpose."""
    assert checked([DEMO_ENCRYPTION], [DEMO_BLIND_INDEX], debug=True) == []


@pytest.mark.parametrize(
    "secret",
    [
        bytes(32),  # all zero
        b"\xff" * 32,  # one repeated byte
        b"0123456789" * 4,  # a pattern: 10 different values
        b"passwordpasswordpasswordpassword",
    ],
)
def test_a_key_without_entropy_is_an_error_outside_debug_and_a_warning_in_debug(secret):
    weak = entry("weak", secret)
    messages = checked([weak], [generate_key_entry("i1")], debug=False)
    assert [(type(m), m.id) for m in messages] == [(Error, "wagtail_gdpr_mail.E032")]
    assert "key 'weak' is not random" in messages[0].msg
    assert "keygen" in messages[0].hint
    messages = checked([generate_key_entry("k1")], [weak], debug=True)
    assert [(type(m), m.id) for m in messages] == [(Warning, "wagtail_gdpr_mail.E032")]
    assert "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS" in messages[0].msg
