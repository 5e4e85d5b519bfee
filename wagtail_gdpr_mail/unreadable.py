"""What an encrypted field holds when its stored value does not decrypt
(:mod:`wagtail_gdpr_mail.crypto` re-exports these names)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from .exceptions import DecryptionError


class Unreadable:
    """What an encrypted field holds when its stored value fails to decrypt: changed in
    the database, copied from elsewhere, or not a ciphertext at all.

    It shows as "(unreadable)" and carries the reason, never any of the stored bytes:
    a listing, a detail page, an export or an erasure can go on around one damaged
    value. Saving it raises :class:`UnreadableValueError`; it is never written back.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __str__(self) -> str:
        return gettext("(unreadable)")

    def __repr__(self) -> str:
        return f"<Unreadable: {self.reason}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unreadable)

    def __hash__(self) -> int:
        return hash(Unreadable)


class UnreadableValueError(DecryptionError, ValueError):
    """An :class:`Unreadable` value was about to be saved."""


def is_unreadable(value: Any) -> bool:
    return isinstance(value, Unreadable)
