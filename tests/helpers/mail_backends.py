"""E-mail backends that fail or dawdle on purpose.

Also loaded by the real Celery worker of ``tests/subscriptions/test_celery_worker.py``
(``TEST_EMAIL_BACKEND=tests.helpers.mail_backends.…``), so everything they need comes
from the environment, not from the test process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from anymail.backends.test import EmailBackend as AnymailTestBackend
from anymail.exceptions import AnymailAPIError
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Like an ESP that answers 503 to the first ``fail_first`` sends, then delivers
    (to ``django.core.mail.outbox``). In-process: set the class attributes."""

    fail_first = 0
    calls = 0

    def send_messages(self, messages):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.fail_first:
            raise AnymailAPIError(f"ESP unavailable (test failure {FlakyBackend.calls})")
        return super().send_messages(messages)


class FileFlakyBackend(FileBackend):
    """Across processes: counts sends in the file ``GDPR_TEST_ESP_COUNTER`` and fails the
    first ``GDPR_TEST_ESP_FAIL_FIRST`` of them; then writes to ``EMAIL_FILE_PATH``."""

    def send_messages(self, messages):
        counter = Path(os.environ["GDPR_TEST_ESP_COUNTER"])
        calls = (int(counter.read_text() or 0) if counter.exists() else 0) + 1
        counter.write_text(str(calls))
        if calls <= int(os.environ.get("GDPR_TEST_ESP_FAIL_FIRST", "0")):
            raise AnymailAPIError(f"ESP unavailable (test failure {calls})")
        return super().send_messages(messages)


class SlowFileBackend(FileBackend):
    """An ESP that takes ``GDPR_TEST_SLOW_SECONDS`` (default 5) to accept a message, so a
    test can kill the worker while it waits; then writes to ``EMAIL_FILE_PATH``."""

    def send_messages(self, messages):
        time.sleep(float(os.environ.get("GDPR_TEST_SLOW_SECONDS", "5")))
        return super().send_messages(messages)


class ScriptedAnymailBackend(AnymailTestBackend):
    """Anymail's test backend that first raises the errors in ``errors`` (one per send
    call, in order), then sends. In-process: set the class attributes."""

    errors: list[Exception] = []
    calls = 0

    def send_messages(self, email_messages):
        ScriptedAnymailBackend.calls += 1
        if ScriptedAnymailBackend.errors:
            raise ScriptedAnymailBackend.errors.pop(0)
        return super().send_messages(email_messages)


class IdempotentFileEsp(AnymailTestBackend):
    """Across processes: an ESP that keeps one file per accepted message under
    ``GDPR_TEST_ESP_DIR`` and, like an ESP with an idempotency key, accepts a message
    whose Message-ID it already has without storing it again (counted in
    ``duplicates``). Each send call takes ``GDPR_TEST_SLOW_SECONDS`` (default 0)."""

    def post_to_esp(self, payload, message):
        time.sleep(float(os.environ.get("GDPR_TEST_SLOW_SECONDS", "0")))
        root = Path(os.environ["GDPR_TEST_ESP_DIR"])
        params = payload.get_params()
        headers = params.get("merge_headers") or {}
        for address in payload.recipient_emails:
            message_id = (headers.get(address) or {}).get(
                "Message-ID"
            ) or message.extra_headers.get("Message-ID", "")
            name = message_id.strip("<>").replace("/", "_") or f"no-id-{time.time_ns()}"
            try:
                fd = os.open(root / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                with open(root / "duplicates", "a") as duplicates:
                    duplicates.write(name + "\n")
                continue
            with os.fdopen(fd, "w") as stored:
                stored.write(address)
        return super().post_to_esp(payload, message)

    def get_esp_message_id(self, message):
        # The outbox list of the parent would grow for ever in a long-lived worker.
        from django.core import mail

        mail.outbox.clear()
        return f"test-{time.time_ns()}"
