"""The OpenAPI 3 schema of the API (drf-spectacular), served by the app itself.

Only the API's own URLs are described, under the prefix the site mounted them at,
whatever other DRF views the site has; the settings are this view's own.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .. import __version__

SETTINGS = {
    "TITLE": "wagtail-gdpr-mail API",
    "DESCRIPTION": "Contacts, purposes, consent, data-subject rights and segments. "
    "Authenticate with `Authorization: Bearer <key>`; errors are RFC 9457 problems.",
    "VERSION": __version__,
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"ApiKey": []}],
    "APPEND_COMPONENTS": {"securitySchemes": {"ApiKey": {"type": "http", "scheme": "bearer"}}},
    "AUTHENTICATION_WHITELIST": [],
}


def document(**kwargs: Any) -> Any:
    """``extend_schema`` based on drf-spectacular's ``AutoSchema`` whatever the site's
    ``DEFAULT_SCHEMA_CLASS`` (it would otherwise extend DRF's own)."""

    def decorator(method: Any) -> Any:
        method.schema = AutoSchema
        return extend_schema(**kwargs)(method)

    return decorator


class SchemaView(SpectacularAPIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    custom_settings = SETTINGS
    serve_public = True
    schema = AutoSchema()

    #: The API's URL patterns (``urls.py`` passes them).
    api_patterns: list[Any] = []

    @document(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Described under the prefix the site mounted the API at: this view's own path
        # without its last part.
        mount = request.path_info.lstrip("/").removesuffix("schema/")
        namespace = request.resolver_match.namespace if request.resolver_match else ""
        self.patterns = [path(mount, include((self.api_patterns, namespace or "api")))]
        return super().get(request, *args, **kwargs)
