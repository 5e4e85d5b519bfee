"""Whatever the ESP backend reports as message id, the outbox row is marked sent."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from wagtail_gdpr_mail.mail import MailAdapter


class _Message:
    def __init__(self, message_id):
        self.anymail_status = SimpleNamespace(message_id=message_id)

    def send(self, fail_silently=False):
        return 1


@pytest.mark.parametrize(
    ("reported", "stored"),
    [("<abc@esp>", "<abc@esp>"), (42, "42"), ({"b", "a"}, "a b"), (None, ""), ("", "")],
)
def test_the_message_id_is_always_text(reported, stored):
    assert MailAdapter().send(_Message(reported)) == stored
