"""The links the app mails: to confirm a subscription, to open "my data"."""

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
