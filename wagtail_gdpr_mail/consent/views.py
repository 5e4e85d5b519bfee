"""Public views of the consent lifecycle: renew by the re-consent link, object by the
notice's link.

Like the double opt-in: GET only shows a page with a button, the POST acts
(with CSRF); an unknown, used or expired link gets one and the same friendly page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..models import InterestNotice, ReconsentRequest
from . import notice, reconsent
from .links import LinkOutcome

TEMPLATES = "wagtail_gdpr_mail/public/"


def _page(request: HttpRequest, name: str, status: int = 200, **context) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "link_invalid", status=404)


def _busy(request: HttpRequest) -> HttpResponse:
    response = _page(request, "link_busy", status=503)
    response["Retry-After"] = "2"
    return response


def _link_view(request: HttpRequest, token: str, model, use, page: str) -> HttpResponse:
    """GET shows ``page`` (what the button does); only the POST uses the link."""
    if request.method == "GET":
        row = model.find_usable(token)
        if row is None:
            return _invalid(request)
        return _page(request, page, assignment=row.assignment)
    result = use(token, request)
    if result.outcome is LinkOutcome.INVALID:
        return _invalid(request)
    if result.outcome is LinkOutcome.BUSY:
        return _busy(request)
    return _page(request, f"{page}_done", assignment=result.assignment)


@never_cache
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, token: str) -> HttpResponse:
    """The re-consent link: renews the purpose."""
    return _link_view(request, token, ReconsentRequest, reconsent.renew, "renew")


@never_cache
@require_http_methods(["GET", "POST"])
def object_to_processing(request: HttpRequest, token: str) -> HttpResponse:
    """The notice's link: ends the processing (Art. 21)."""
    return _link_view(request, token, InterestNotice, notice.object_to_processing, "object")
