"""Test settings: the example site, with fixed test keys and fast hashing.

DATABASE_URL picks the database (SQLite by default, PostgreSQL in CI).
"""

import os

from example_site.settings import *  # noqa: F403

DEBUG = False
WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS = ["test1:" + "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1sb25n"]
WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = ["test1:" + "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtbG9u"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The real-worker tests start a Celery worker with these from the environment.
EMAIL_BACKEND = os.environ.get(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# Live-server tests: no pooled connections left behind when the test database is dropped.
for _database in DATABASES.values():  # noqa: F405
    _database["CONN_MAX_AGE"] = 0
