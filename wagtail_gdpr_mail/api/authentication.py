"""API keys as DRF authentication: ``Authorization: Bearer <key>`` (or ``Api-Key <key>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ..models import ApiKey

SCHEMES = ("bearer", "api-key")


class ApiClient:
    """``request.user`` of an API call: the key, not a person. Never a Django user, so
    services log it as no user (the key's id goes into their evidence instead)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return str(self.api_key)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """No header: not authenticated (401). A wrong, expired or revoked key: 401."""

    def authenticate(self, request: Request) -> tuple[ApiClient, ApiKey] | None:
        # The header as the server decoded it (DRF's helper re-encodes it and fails on
        # characters beyond Latin-1).
        header = str(request.META.get("HTTP_AUTHORIZATION", "")).strip()
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        api_key = ApiKey.find(key.strip())
        if api_key is None or not api_key.is_usable():
            # One answer for unknown, expired and revoked keys.
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        api_key.touch()
        return ApiClient(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="wagtail-gdpr-mail"'
