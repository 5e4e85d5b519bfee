"""E-mail backends that fail or dawdle on purpose.

Also loaded by the real Celery worker of ``tests/subscriptions/test_celery_worker.py``
(``TEST_EMAIL_BACKEND=tests.helpers.mail_backends.…``), so everything they need comes
from the environment, not from the test process.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

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
