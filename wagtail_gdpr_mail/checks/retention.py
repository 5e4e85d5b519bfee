"""Storage limitation settings (E044–E045)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from ..conf import app_settings
from ..exceptions import ConfigurationError


@checks.register()
def check_storage_limitation(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The storage-limitation settings make sense, before the daily job trips over them."""
    messages: list[checks.CheckMessage] = []
    try:
        _mode = app_settings.STORAGE_AUTO_ERASE  # reading it validates it
    except ConfigurationError as exc:
        messages.append(checks.Error(str(exc), id="wagtail_gdpr_mail.E044"))
    try:
        grace_days = app_settings.STORAGE_GRACE_DAYS
    except (TypeError, ValueError):
        grace_days = -1
    if grace_days < 0:
        messages.append(
            checks.Error(
                f"{app_settings.setting_name('STORAGE_GRACE_DAYS')} must be a whole number "
                "of days, 0 or more.",
                id="wagtail_gdpr_mail.E045",
            )
        )
    return messages
