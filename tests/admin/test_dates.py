"""Dates read the same everywhere in a language, and never as 12/02/2026."""

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone, translation

from wagtail_gdpr_mail.dates import format_date, format_datetime

WHEN = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)


def test_english_names_the_month_and_czech_uses_its_own_notation():
    with timezone.override("Europe/Prague"):
        with translation.override("en"):
            assert format_date(WHEN) == "2 Dec 2026"
            assert format_datetime(WHEN) == "2 Dec 2026, 14:05"
        with translation.override("cs"):
            assert format_date(WHEN) == "2. 12. 2026"
            assert format_datetime(WHEN) == "2. 12. 2026 14:05"


def test_the_viewers_time_zone_decides_the_day():
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    with translation.override("en"):
        with timezone.override("Europe/Prague"):
            assert format_date(late) == "3 Dec 2026"
        with timezone.override("America/New_York"):
            assert format_date(late) == "2 Dec 2026"


def test_template_filters_use_the_same_formats():
    template = Template("{% load gdpr_mail_tags %}{{ when|gm_date }} · {{ when|gm_datetime }}")
    with translation.override("en"), timezone.override("UTC"):
        assert template.render(Context({"when": WHEN})) == "2 Dec 2026 · 2 Dec 2026, 13:05"
    assert format_date(None) == "" and format_datetime(None) == ""
