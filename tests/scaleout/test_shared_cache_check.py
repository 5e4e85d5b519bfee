"""Several web processes share one count: outside DEBUG the cache of the rate limits and
the quiet period must not be per-process (E090), must exist (E091), and a file cache
gets a warning (W090)."""

from __future__ import annotations

import pytest

from wagtail_gdpr_mail.checks import check_shared_rate_limit_cache

REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://h:6379/1"}


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    ],
)
def test_a_per_process_cache_stops_a_production_site(settings, backend):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": backend}}
    (message,) = check_shared_rate_limit_cache()
    assert message.id == "wagtail_gdpr_mail.E090" and message.is_serious()
    assert "one address can be sent two confirmation mails" in message.msg
    assert "RedisCache" in message.hint


def test_in_debug_one_process_is_fine(settings):
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert check_shared_rate_limit_cache() == []


def test_the_cache_the_setting_names_is_the_one_checked(settings):
    settings.DEBUG = False
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": REDIS,
    }
    settings.WAGTAIL_GDPR_MAIL_RATE_LIMIT_CACHE = "limits"
    assert check_shared_rate_limit_cache() == []
    settings.WAGTAIL_GDPR_MAIL_RATE_LIMIT_CACHE = "missing"
    (message,) = check_shared_rate_limit_cache()
    assert message.id == "wagtail_gdpr_mail.E091"
    assert "'missing', which is not in CACHES" in message.msg


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        (REDIS, []),
        ({"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"}, []),
        (
            {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": "/t"},
            ["wagtail_gdpr_mail.W090"],
        ),
    ],
)
def test_shared_caches_pass_and_a_file_cache_is_warned_about(settings, cache, expected):
    settings.DEBUG = False
    settings.CACHES = {"default": cache}
    assert ids(check_shared_rate_limit_cache()) == expected
