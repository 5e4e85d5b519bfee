"""Mail as Django's file backend writes it (``EMAIL_FILE_PATH``): what a worker in
another process sent."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in Django's file backend


def sent_mail(outbox: Path) -> list[Message]:
    """Every message in the folder, oldest file first."""
    messages = []
    if not outbox.is_dir():
        return messages
    for path in sorted(outbox.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


def text_of(message: Message) -> str:
    """The text/plain part, decoded."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""
