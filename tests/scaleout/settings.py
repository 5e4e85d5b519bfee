"""Settings of the scale-out test's processes (two gunicorn servers, two Celery workers):
the test project's, with the cache every process shares on Redis and each run's own
Celery queue, both from the environment the test sets."""

import os

from tests.test_project.settings import *  # noqa: F403

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["SCALEOUT_CACHE_URL"],
    }
}
SILENCED_SYSTEM_CHECKS: list[str] = []  # the shared cache passes E090 on its own
CELERY_TASK_DEFAULT_QUEUE = os.environ["SCALEOUT_QUEUE"]

WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0  # the visitors are fast
# Every visitor comes from 127.0.0.1: the limit per IP would stop the crowd; the limit
# per address and the quiet period stay as they are, counted in the shared cache.
WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP = (100_000, 3600)
