"""The links the app mails: to confirm a subscription, to open "my data", to renew, to object."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CONFIRM_LINK = re.compile(r"https?://[^\s<>\"']+/gdpr-mail/confirm/[^\s<>\"'/]+/")
ACCESS_LINK = re.compile(r"https?://[^\s<>\"']+/gdpr-mail/my-data/open/[^\s<>\"'/]+/")


def confirm_links(messages) -> list[str]:
    links = []
    for message in messages:
        links += CONFIRM_LINK.findall(message.body)
    return links


def confirm_path(message) -> str:
    """The path of the one confirmation link in a mail."""
    (link,) = set(CONFIRM_LINK.findall(message.body))
    return urlsplit(link).path


def access_path(message) -> str:
    """The path of the one "my data" link in a mail."""
    (link,) = set(ACCESS_LINK.findall(message.body))
    return urlsplit(link).path


RENEW_LINK = re.compile(r"https?://[^\s<>\"']+/gdpr-mail/renew/[^\s<>\"'/]+/")
OBJECT_LINK = re.compile(r"https?://[^\s<>\"']+/gdpr-mail/object/[^\s<>\"'/]+/")


def renew_path(message) -> str:
    """The path of the one renew link in a re-consent mail."""
    (link,) = set(RENEW_LINK.findall(message.body))
    return urlsplit(link).path


def object_path(message) -> str:
    """The path of the one "object" link in a legitimate-interest notice."""
    (link,) = set(OBJECT_LINK.findall(message.body))
    return urlsplit(link).path
