"""Settings of the tests' own project: fixed test keys, fast hashing, mail kept in memory.

DATABASE_URL picks the database (SQLite by default, PostgreSQL in CI). The real-worker
tests start a Celery worker with these settings and steer it through the environment:
``TEST_EMAIL_BACKEND``, ``EMAIL_FILE_PATH`` and ``CELERY_BROKER_URL`` (a broker URL
switches eager mode off).
"""

import os
from pathlib import Path

import dj_database_url

from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE as GDPR_MAIL_BEAT_SCHEDULE

PROJECT_DIR = Path(__file__).resolve().parent

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "tests.test_project",
    "wagtail_gdpr_mail",
    "anymail",
    "crispy_forms",
    "crispy_bootstrap5",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "tests.test_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ]
        },
    }
]

DATABASES = {"default": dj_database_url.config(default="sqlite:///:memory:")}
# Live-server tests: no pooled connections left behind when the test database is dropped.
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = 0

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cs", "Čeština")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Prague"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WAGTAIL_SITE_NAME = "wagtail-gdpr-mail tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- wagtail-gdpr-mail: fixed, public test keys ---------------------------------------
WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS = ["test1:" + "BFRuzfBOB1e7NFxnOX0BGBnGhjgPgJCYnZic9AbMItk="]
WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = ["test1:" + "1P-rVdtUUIZOj59MyGh2lTR2j_flSNXLh0EbNQBMoh8="]
WAGTAIL_GDPR_MAIL_CHAIN_KEYS = ["test1:" + "IT-3_UwKzXsYa9qQp1vpVrOcPlNj1lPY9Qp0aOZY0HE="]

# --- Mail: Anymail's test backend records to django.core.mail.outbox ------------------
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "anymail.backends.test.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = "newsletter@example.com"
# The ESP webhooks are authenticated, as the system check demands outside DEBUG.
ANYMAIL_WEBHOOK_USER = "esp-webhook"
ANYMAIL_WEBHOOK_PASSWORD = "test-only-webhook-password"  # noqa: S105
ANYMAIL = {"WEBHOOK_SECRET": f"{ANYMAIL_WEBHOOK_USER}:{ANYMAIL_WEBHOOK_PASSWORD}"}

# The campaign crash test shortens the lease and the batch of its real worker.
WAGTAIL_GDPR_MAIL_CAMPAIGN_LEASE_SECONDS = int(os.environ.get("GDPR_TEST_CAMPAIGN_LEASE", "300"))
WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = int(os.environ.get("GDPR_TEST_CAMPAIGN_BATCH", "500"))

# --- Celery: eager unless a broker is configured (the real-worker tests) ---------------
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {**GDPR_MAIL_BEAT_SCHEDULE}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
