"""The REST API's settings (E070–E071)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from ..conf import app_settings


@checks.register()
def check_api_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The REST API's limits make sense, before the first call trips over them."""
    messages: list[checks.CheckMessage] = []
    try:
        count, seconds = app_settings.API_RATE_LIMIT
    except (TypeError, ValueError):
        count = seconds = 0
    if count <= 0 or seconds <= 0:
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('API_RATE_LIMIT')} must be (requests, seconds), "
                "both positive whole numbers.",
                id="wagtail_gdpr_mail.E070",
            )
        )
    try:
        hours = app_settings.API_IDEMPOTENCY_HOURS
    except (TypeError, ValueError):
        hours = 0
    if hours < 1:
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('API_IDEMPOTENCY_HOURS')} must be a whole number "
                "of hours, 1 or more.",
                id="wagtail_gdpr_mail.E071",
            )
        )
    return messages
