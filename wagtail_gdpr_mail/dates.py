"""One unambiguous date format per language, in the viewer's time zone.

English shows ``2 Dec 2026`` and ``2 Dec 2026, 14:05``; Czech ``2. 12. 2026`` and
``2. 12. 2026 14:05``. The formats are translatable strings (context "date
format"), so a new language brings its own. Wagtail's admin activates the
editor's time zone; public pages use the site's.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as django_format
from django.utils.translation import pgettext

__all__ = ["format_date", "format_datetime"]


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_date(value: date | datetime | None) -> str:
    """``2 Dec 2026`` / ``2. 12. 2026``; an empty string for ``None``."""
    if value is None:
        return ""
    # Translators: a PHP-style date format (Django's "date" filter); day, month, year.
    return django_format(_local(value), pgettext("date format", "j M Y"))


def format_datetime(value: datetime | None) -> str:
    """``2 Dec 2026, 14:05`` / ``2. 12. 2026 14:05``; an empty string for ``None``."""
    if value is None:
        return ""
    # Translators: a PHP-style date and time format (Django's "date" filter).
    return django_format(_local(value), pgettext("date format", "j M Y, H:i"))
