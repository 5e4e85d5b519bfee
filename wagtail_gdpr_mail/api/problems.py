"""Every error of the API as an RFC 9457 problem (``application/problem+json``).

``{"type", "title", "status", "detail"}``, plus ``errors`` (field -> messages) for
invalid input. The handler is set on the API's views themselves, so a site's own
``REST_FRAMEWORK`` settings never change how our errors look.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

PROBLEM_CONTENT_TYPE = "application/problem+json"
#: ``type`` of the problems the API defines itself (others are ``about:blank``).
TYPE_BASE = "https://wagtail-gdpr-mail.readthedocs.io/en/latest/api.html#problem-"


class ApiProblem(exceptions.APIException):
    """A problem with its own ``type`` slug (``conflict``, ``suppressed``…)."""

    def __init__(self, status_code: int, slug: str, detail: str) -> None:
        super().__init__(detail=detail, code=slug)
        self.status_code, self.slug = status_code, slug


class ProblemSerializer(serializers.Serializer):
    """The shape of every error answer (for the schema)."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


_SLUGS = {
    exceptions.ParseError: "bad-json",
    exceptions.ValidationError: "invalid-input",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.PermissionDenied: "missing-scope",
    exceptions.NotFound: "not-found",
    exceptions.Throttled: "rate-limited",
    exceptions.UnsupportedMediaType: "unsupported-media-type",
}


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        401: _("Not authenticated"),
        403: _("Forbidden"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        415: _("Unsupported media type"),
        422: _("Unprocessable request"),
        429: _("Too many requests"),
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field.sub": ["message", …]}``."""
    found: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in _flatten(value, name).items():
                found.setdefault(inner, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            found[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                name = f"{prefix}.{index}" if prefix else str(index)
                for inner, messages in _flatten(item, name).items():
                    found.setdefault(inner, []).extend(messages)
    else:
        found[prefix or "non_field_errors"] = [str(detail)]
    return found


def problem_response(
    status_code: int,
    *,
    slug: str | None = None,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": _titles().get(status_code, _("Error")),
        "status": status_code,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering with problems; None for what it does not know
    (a bug: Django's 500 page, and the error is logged)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    wait = getattr(exc, "wait", None)
    if wait is not None:
        headers["Retry-After"] = str(max(1, round(wait)))
    slug = getattr(exc, "slug", None) or next(
        (s for cls, s in _SLUGS.items() if isinstance(exc, cls)), None
    )
    if isinstance(exc, exceptions.ValidationError):
        return problem_response(
            status.HTTP_400_BAD_REQUEST,
            slug=slug,
            detail=_("The request body is not valid; see errors."),
            errors=_flatten(exc.detail),
            headers=headers,
        )
    return problem_response(exc.status_code, slug=slug, detail=str(exc.detail), headers=headers)
