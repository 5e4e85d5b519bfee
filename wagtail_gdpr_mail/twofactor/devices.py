"""A user's second factors: a TOTP app and single-use recovery codes (django-otp devices)."""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from os import urandom
from typing import Any

from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import verify_token as verify_device_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

#: Recovery codes given out at once; each works once.
RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def new_recovery_code() -> str:
    """80 random bits in 16 base32 characters (django-otp's own codes have 40)."""
    return b32encode(urandom(10)).decode("ascii").lower()


def has_second_factor(user: Any) -> bool:
    return user_has_device(user, confirmed=True)


def new_totp_key() -> str:
    """A fresh TOTP secret (hex, as django-otp stores it)."""
    return random_hex(20)


def unsaved_totp_device(user: Any, key: str) -> TOTPDevice:
    """The device the set-up page shows (QR code, key); saved only once confirmed."""
    return TOTPDevice(user=user, name=TOTP_NAME, key=key, confirmed=True)


def code_matches(key: str, token: str) -> bool:
    """Whether ``token`` is the app's current code for ``key`` (one step of clock drift)."""
    token = token.strip().replace(" ", "")
    if not token.isdigit():
        return False
    return TOTP(unhexlify(key)).verify(int(token), tolerance=1)


def enable_two_factor(user: Any, key: str, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Save the TOTP device once the app's code matches, and issue the recovery codes
    (returned, shown once); None when the code is wrong."""
    if not code_matches(key, token):
        return None
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    with transaction.atomic():
        device = unsaved_totp_device(user, key)
        device.save()
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME)
        StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return device, codes


def verify(user: Any, token: str) -> Any:
    """The device that accepts ``token`` (an app's code or a recovery code), else None.
    Each device counts failures and slows down guessing (django-otp throttling)."""
    token = token.strip().replace(" ", "").lower()
    if not token:
        return None
    for device in devices_for_user(user, confirmed=True):
        if verify_device_token(user, device.persistent_id, token):
            return device
    return None
