"""The test project on a SQLite database file (``GDPR_MAIL_TEST_SQLITE_FILE``), test
database included, so that several connections contend for it as on the demo site."""

import os

from tests.test_project.settings import *  # noqa: F403

_PATH = os.environ["GDPR_MAIL_TEST_SQLITE_FILE"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _PATH,
        "CONN_MAX_AGE": 0,
        "TEST": {"NAME": _PATH},
    }
}
