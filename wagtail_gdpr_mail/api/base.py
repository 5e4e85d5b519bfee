"""The base of the API's views: everything DRF could take from a site's
``REST_FRAMEWORK`` setting is set here (authentication, permissions, throttling,
parsers, renderers, pagination, the exception handler), and every call is audited."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from rest_framework.exceptions import ParseError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .. import audit
from ..conf import app_settings
from ..models import ApiKey, Contact
from .authentication import ApiKeyAuthentication
from .idempotency import run_once
from .permissions import HasScope
from .problems import ProblemSerializer, exception_handler
from .throttling import ApiKeyThrottle

PROBLEM = "application/problem+json"


def responses(ok: dict[int, Any], *problems: int) -> dict[Any, Any]:
    """The documented answers: ``ok`` plus the problems every call can meet."""
    codes = sorted({400, 401, 403, 404, 405, 406, 415, 429, *problems})
    return {**ok, **{(code, PROBLEM): ProblemSerializer for code in codes}}


class JsonParser(JSONParser):
    """JSON; nesting too deep for Python's decoder is bad JSON too, not a crash."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        self.page_size = app_settings.API_PAGE_SIZE
        self.max_page_size = self.page_size * 10
        return super().get_page_size(request)


class ApiView(GenericAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ApiKeyThrottle]
    parser_classes = [JsonParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = DefaultContentNegotiation
    pagination_class = Pagination
    filter_backends: list[Any] = []
    versioning_class = None
    schema = AutoSchema()
    #: method -> the scope it needs ("*": every method); none needed if absent.
    required_scopes: dict[str, str] = {}
    #: The endpoint's name in the audit log.
    endpoint = ""

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.audit_ids: dict[str, Any] = {k: v for k, v in kwargs.items() if k.endswith("pk")}
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Only a key that authenticated: reading request.auth again would authenticate again.
        api_key = getattr(request, "_auth", None)
        if isinstance(api_key, ApiKey):
            audit.log_action(
                api_key,
                audit.API_CALL,
                data={
                    "endpoint": self.endpoint,
                    "method": request.method,
                    "status": response.status_code,
                    **getattr(self, "audit_ids", {}),
                },
            )
        return response

    @property
    def api_key(self) -> ApiKey:
        return self.request.auth

    def origin(self) -> dict[str, Any]:
        """What the evidence records about who called: the key's id, never a secret."""
        return {"api_key_id": self.api_key.pk}

    def idempotent_post(self, request: Request, handler, *args: Any, **kwargs: Any) -> Response:
        return run_once(request, self.api_key, lambda: handler(request, *args, **kwargs))

    def contact(self, pk: int, *, for_update: bool = False) -> Contact:
        contacts = Contact.objects.all()
        if for_update:
            contacts = contacts.select_for_update()
        return get_object_or_404(contacts, pk=pk)
