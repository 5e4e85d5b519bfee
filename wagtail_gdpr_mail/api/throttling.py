"""A rate limit per API key, counted in the cache by ``ratelimit.hit`` (sliding window)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ..conf import app_settings
from ..models import ApiKey
from ..ratelimit import BUCKETS, hit


class ApiKeyThrottle(BaseThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # unauthenticated calls are refused before any work
        return hit("api-key", str(api_key.pk), app_settings.API_RATE_LIMIT)

    def wait(self) -> float:
        # The window slides by one bucket at a time: that is when room appears again.
        count, window = app_settings.API_RATE_LIMIT
        return max(window / BUCKETS, 1.0)
