"""The example site's settings for ``load.py``'s gunicorn: as in production (DEBUG off,
the cache on Redis through ``DJANGO_CACHE_URL``), except the limit per IP address, since
every client of the benchmark comes from 127.0.0.1."""

from example_site.settings import *  # noqa: F403

WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP = (0, 1)  # (0, …): not counted
