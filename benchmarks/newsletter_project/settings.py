"""Settings of the django-newsletter comparison project (``benchmarks/subscribe.py``).

As close to the example site as the comparison allows: the same middleware that
matters for a public POST (sessions, CSRF middleware with checks off in the test
client, authentication, messages), DEBUG off, Django's locmem e-mail backend, and
a PostgreSQL database of its own on the same server (``NEWSLETTER_DATABASE_URL``).
"""

from __future__ import annotations

import os
import secrets

import dj_database_url

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50)
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "newsletter_project.urls"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Europe/Prague"
LANGUAGE_CODE = "en"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "sorl.thumbnail",
    "newsletter",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": dj_database_url.parse(os.environ["NEWSLETTER_DATABASE_URL"])}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "news@example.com"
NEWSLETTER_THUMBNAIL = "sorl-thumbnail"
NEWSLETTER_CONFIRM_EMAIL_SUBSCRIBE = True
