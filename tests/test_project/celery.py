"""The Celery app the real-worker tests start: ``celery -A tests.test_project worker``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.test_project.settings")

app = Celery("test_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
