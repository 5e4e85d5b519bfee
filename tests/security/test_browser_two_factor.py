"""In Chromium: an editor signs in, sets up an authenticator app from the QR page, keeps
the recovery codes, and is asked for a code at the next sign-in."""

from __future__ import annotations

from base64 import b32decode
from binascii import unhexlify

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers.users import make_user

pytestmark = pytest.mark.browser


def current_code(key: str, offset: int = 0) -> str:
    totp = TOTP(unhexlify(key))
    totp.time = totp.time + 30 * offset
    return f"{totp.token():06d}"


def password_sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_setting_up_and_using_two_factor_sign_in(page, live_server, settings):
    settings.WAGTAIL_GDPR_MAIL_TWO_FACTOR_REQUIRED = True
    make_user("chief", ["view_contact"])
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    password_sign_in(page, live_server.url)
    page.wait_for_url("**/admin/two-factor/setup/**")
    assert page.locator("[data-gdpr-mail-qr] svg").is_visible()
    secret = page.locator("[data-gdpr-mail-secret]").inner_text()
    assert len(secret) >= 32
    # The key shown is the one the app would scan: read it back as the app would.
    key = b32decode(secret + "=" * (-len(secret) % 8)).hex()
    page.fill("input[name=token]", current_code(key))
    page.click("button[type=submit]")
    codes = page.locator("[data-gdpr-mail-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    page.click("text=Continue to the admin")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert TOTPDevice.objects.filter(user__username="chief", confirmed=True).exists()

    page.context.clear_cookies()
    password_sign_in(page, live_server.url)
    page.wait_for_url("**/admin/two-factor/verify/**")
    page.fill("input[name=token]", codes[3])
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert violations == []
