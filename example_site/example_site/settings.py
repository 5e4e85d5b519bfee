"""Settings of the example site: SQLite, readable mail and no other service by default.

Everything that differs between the demo, CI and a real deployment comes from
the environment: DATABASE_URL, CELERY_BROKER_URL, the encryption keys, DEBUG,
the HTTPS settings. DEBUG is off unless ``DJANGO_DEBUG=1`` asks for it (``make
demo`` does); only then do the public demo keys and secret apply. The production
environment is listed in ``docs/deployment.md``.
"""

import os
from pathlib import Path

import dj_database_url

from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE as GDPR_MAIL_BEAT_SCHEDULE

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG", False)
# Outside DEBUG there is no default: Django refuses to start with an empty SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    "demo-only-secret-key-change-me" if DEBUG else ""  # noqa: S105
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000"
)

# --- HTTPS: on by default outside DEBUG; each can be set from the environment --------
# (wagtail_gdpr_mail adds its own Content-Security-Policy, Referrer-Policy, nosniff and
# Permissions-Policy headers on its public pages; SecurityMiddleware sets
# Referrer-Policy: same-origin and nosniff everywhere else.)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD", False)
if os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):  # e.g. HTTP_X_FORWARDED_PROTO behind a proxy
    SECURE_PROXY_SSL_HEADER = (os.environ["DJANGO_SECURE_PROXY_SSL_HEADER"], "https")

INSTALLED_APPS = [
    "home",
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
    # Two-factor sign-in for the admin (wagtail_gdpr_mail.twofactor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "wagtail_gdpr_mail.twofactor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "example_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

WSGI_APPLICATION = "example_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}

# The rate limits and the quiet period count in the cache: every web process and worker
# must share it (system check wagtail_gdpr_mail.E090 outside DEBUG). The demo is one
# process and keeps Django's per-process default.
if os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_CACHE_URL"],
        }
    }

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cs", "Čeština")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Prague"
USE_I18N = True
USE_TZ = True

STATIC_ROOT = BASE_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

WAGTAIL_SITE_NAME = "wagtail-gdpr-mail demo"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- wagtail-gdpr-mail ----------------------------------------------------------
# Real deployments set both from the environment (python -m wagtail_gdpr_mail.keygen).
# The demo keys below are public and used only while DEBUG is on.
_DEMO_ENCRYPTION_KEYS = "demo1:ZGVtby1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="
_DEMO_BLIND_INDEX_KEYS = "demo1:ZGVtby1vbmx5LWJsaW5kLWluZGV4LWtleS0zMmJ5dGU="
_DEMO_CHAIN_KEYS = "demo1:ZGVtby1vbmx5LWNvbnNlbnQtY2hhaW4ta2V5LTMyYnk="
WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS = os.environ.get(
    "WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS", _DEMO_ENCRYPTION_KEYS if DEBUG else None
)
WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS = os.environ.get(
    "WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS", _DEMO_BLIND_INDEX_KEYS if DEBUG else None
)
WAGTAIL_GDPR_MAIL_CHAIN_KEYS = os.environ.get(
    "WAGTAIL_GDPR_MAIL_CHAIN_KEYS", _DEMO_CHAIN_KEYS if DEBUG else None
)

# Everyone who signs in to the admin sets up a second factor (an authenticator app)
# first; in the demo (DEBUG) only those who set one up are asked for it.
WAGTAIL_GDPR_MAIL_TWO_FACTOR_REQUIRED = env_flag("DJANGO_TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME
# Alerts of access monitoring go to the DPO (controller settings) and to these people.
ADMINS = [("Admin", address) for address in env_list("DJANGO_ADMINS", "")]

# --- mail: readable files in the demo, any Anymail ESP in production -------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(PROJECT_DIR / "outbox"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsletter@example.com")
# ESP webhooks (bounces, complaints) are authenticated: the URL you give the ESP carries
# these credentials (https://user:password@host/anymail/<esp>/tracking/).
# The demo's pair is public and applies only while DEBUG is on.
_DEMO_WEBHOOK_SECRET = "demo:demo-only-webhook-secret"  # noqa: S105
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": os.environ.get("ANYMAIL_WEBHOOK_SECRET")
        or (_DEMO_WEBHOOK_SECRET if DEBUG else None)
    }.items()
    if value
}

# --- Celery: eager unless a broker is configured ---------------------------------
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
# Eager (demo) mode runs retries inline and never fails the visitor's request.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {**GDPR_MAIL_BEAT_SCHEDULE}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
