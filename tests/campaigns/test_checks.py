"""System checks of the campaign settings (E050, E051, W051, W052)."""

from __future__ import annotations

from wagtail_gdpr_mail.checks import check_campaign_settings


def _ids() -> set[str]:
    return {message.id for message in check_campaign_settings()}


def test_the_defaults_pass(settings):
    assert _ids() == set()


def test_a_merge_field_without_the_name_is_an_error(settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_MERGE_FIELD = "%recipient.token%"
    assert "wagtail_gdpr_mail.E050" in _ids()
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_MERGE_FIELD = "{oops"
    assert "wagtail_gdpr_mail.E050" in _ids()
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_MERGE_FIELD = "%recipient.{name}%"
    assert _ids() == set()


def test_unbatched_backends_must_be_a_list(settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_UNBATCHED_BACKENDS = "anymail.backends.postal.EmailBackend"
    assert "wagtail_gdpr_mail.E051" in _ids()


def test_a_rate_limit_in_a_process_local_cache_and_a_short_lease_warn(settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_RATE_LIMIT = 100
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_LEASE_SECONDS = 10
    assert {"wagtail_gdpr_mail.W051", "wagtail_gdpr_mail.W052"} <= _ids()
