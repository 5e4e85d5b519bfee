"""Two-factor sign-in for the admin: set up an authenticator app, get recovery codes, be
asked for a code at every new sign-in; and the system check that warns while people who
may view contacts can sign in with a password alone."""

from __future__ import annotations

import re
from binascii import unhexlify

import pytest
from django.core import checks
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.helpers.users import make_user
from wagtail_gdpr_mail import checks as app_checks
from wagtail_gdpr_mail.twofactor.views import SETUP_KEY_SESSION

ADMIN = "/admin/"
SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/verify/"


def code_for(key_hex: str, *, step_offset: int = 0) -> str:
    totp = TOTP(unhexlify(key_hex))
    totp.time = totp.time + step_offset * 30
    return f"{totp.token():06d}"


def sign_in(username: str = "editor2") -> Client:
    client = Client()
    response = client.post("/admin/login/", {"username": username, "password": "password"})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def set_up(client: Client) -> tuple[str, list[str]]:
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, inline: no script, no external image
    key = client.session[SETUP_KEY_SESSION]
    response = client.post(SETUP, {"token": code_for(key), "next": ADMIN})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{16})</code></li>", response.content.decode())
    return key, codes


@pytest.fixture
def required(settings):
    settings.WAGTAIL_GDPR_MAIL_TWO_FACTOR_REQUIRED = True


@pytest.fixture
def editor2(db):
    return make_user("editor2", ["view_contact"])


@pytest.mark.django_db
def test_a_user_without_a_second_factor_sets_one_up_before_the_admin_opens(required, editor2):
    client = sign_in()
    response = client.get(ADMIN + "snippets/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)

    # Nothing is stored before the code from the app confirms the key.
    client.get(SETUP)
    assert not TOTPDevice.objects.exists()
    wrong = client.post(SETUP, {"token": "000000"})
    assert wrong.status_code == 400 and "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()

    key, codes = set_up(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=editor2).confirmed
    assert client.get(ADMIN).status_code == 200  # this session is verified


@pytest.mark.django_db
def test_every_new_sign_in_asks_for_a_code_and_recovery_codes_work_once(required, editor2, clock):
    key, codes = set_up(sign_in())

    client = sign_in()
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # With a second factor, a password alone cannot add another one.
    assert client.get(SETUP)["Location"].startswith(VERIFY)

    wrong = client.post(VERIFY, {"token": "123456", "next": ADMIN})
    assert wrong.status_code == 400
    # Each wrong code makes the devices wait longer (1 s, 2 s, 4 s…) before the next try.
    assert client.post(VERIFY, {"token": codes[0]}).status_code == 400
    clock.advance(seconds=5)
    response = client.post(VERIFY, {"token": codes[0], "next": ADMIN})
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200

    again = sign_in()
    assert again.post(VERIFY, {"token": codes[0]}).status_code == 400  # used up
    clock.advance(seconds=5)
    response = again.post(VERIFY, {"token": code_for(key, step_offset=1), "next": ADMIN})
    assert response.status_code == 302
    assert again.get(ADMIN).status_code == 200


@pytest.mark.django_db
def test_next_never_leaves_the_site(required, editor2):
    key, _codes = set_up(sign_in())
    client = sign_in()
    response = client.post(
        VERIFY, {"token": code_for(key, step_offset=1), "next": "https://evil.example/"}
    )
    assert response["Location"] == ADMIN


@pytest.mark.django_db
def test_the_set_up_pages_carry_the_security_headers(required, editor2):
    response = sign_in().get(SETUP)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_when_not_required_only_users_with_a_second_factor_are_asked(editor2):
    client = sign_in()
    assert client.get(ADMIN).status_code == 200


def ids(messages) -> set[str]:
    return {m.id for m in messages}


@pytest.mark.django_db
def test_the_check_names_people_who_may_view_contacts_without_a_second_factor(
    settings, editor2, required
):
    make_user("designer", ["view_segment"])  # may not view contacts: not named
    messages = app_checks.check_two_factor()
    (warning,) = [m for m in messages if m.id == "wagtail_gdpr_mail.W081"]
    assert warning.level == checks.WARNING
    assert "editor2" in warning.msg and "designer" not in warning.msg

    set_up(sign_in())
    assert "wagtail_gdpr_mail.W081" not in ids(app_checks.check_two_factor())

    settings.DEBUG = True
    assert app_checks.check_two_factor() == []


@pytest.mark.django_db
def test_the_check_without_django_otp_or_its_middleware(settings, monkeypatch):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != app_checks.TWO_FACTOR_MIDDLEWARE]
    assert "wagtail_gdpr_mail.W082" in ids(app_checks.check_two_factor())
    monkeypatch.setattr(
        app_checks.twofactor.apps, "is_installed", lambda name: name != "django_otp"
    )
    (warning,) = app_checks.check_two_factor()
    assert warning.id == "wagtail_gdpr_mail.W080"
    assert "twofactor" in warning.hint
