"""System checks, one module per concern: keys and webhooks (``keys``), the services the
app needs (``services``: URLs, Celery, a shared cache), storage limitation (``retention``)
and two-factor sign-in (``twofactor``).

Outside DEBUG each key or webhook problem is an error; in DEBUG a warning (the demo keys
pass silently in DEBUG: the example site uses them on purpose). A missing URL include is
always an error; a Celery set-up that cannot deliver the app's tasks is a warning.
Importing this package registers every check.
"""

from __future__ import annotations

from .api import check_api_settings
from .campaigns import (
    MIN_CAMPAIGN_LEASE_SECONDS,
    check_campaign_settings,
    check_campaign_tracking,
)
from .importing import check_import_dir
from .keys import (
    MIN_DISTINCT_BYTES,
    PUBLISHED_KEY_DIGESTS,
    check_chain_keys,
    check_encryption_keys,
    check_key_strength,
    check_stored_index_keys,
    check_webhook_secret,
    tracking_receiver_connected,
    unconfigured_index_keys,
)
from .retention import (
    check_storage_limitation,
)
from .services import (
    BROKER_PROBE_TIMEOUT,
    CELERY_DEFAULT_BROKER,
    FILE_CACHE,
    INSTALLATION_DOCS,
    PER_PROCESS_CACHES,
    celery_app_in_use,
    check_celery_app,
    check_celery_broker_reachable,
    check_public_urls,
    check_shared_rate_limit_cache,
    is_celery_fallback,
)
from .twofactor import (
    TWO_FACTOR_DOCS,
    TWO_FACTOR_MIDDLEWARE,
    check_two_factor,
    users_who_may_view_contacts,
    without_second_factor,
)

__all__ = [
    "check_campaign_tracking",
    "MIN_CAMPAIGN_LEASE_SECONDS",
    "check_campaign_settings",
    "check_import_dir",
    "check_api_settings",
    "BROKER_PROBE_TIMEOUT",
    "CELERY_DEFAULT_BROKER",
    "FILE_CACHE",
    "INSTALLATION_DOCS",
    "MIN_DISTINCT_BYTES",
    "PER_PROCESS_CACHES",
    "PUBLISHED_KEY_DIGESTS",
    "TWO_FACTOR_DOCS",
    "TWO_FACTOR_MIDDLEWARE",
    "celery_app_in_use",
    "check_celery_app",
    "check_celery_broker_reachable",
    "check_chain_keys",
    "check_encryption_keys",
    "check_key_strength",
    "check_public_urls",
    "check_shared_rate_limit_cache",
    "check_storage_limitation",
    "check_stored_index_keys",
    "check_two_factor",
    "check_webhook_secret",
    "is_celery_fallback",
    "tracking_receiver_connected",
    "unconfigured_index_keys",
    "users_who_may_view_contacts",
    "without_second_factor",
]
