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

from . import notice, reconsent

TEMPLATES = "wagtail_gdpr_mail/public/"


def _page(request: HttpRequest, name: str, status: int = 200, **context) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "link_invalid", status=404)


def _busy(request: HttpRequest) -> HttpResponse:
    response = _page(request, "link_busy", status=503)
    response["Retry-After"] = "2"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the purpose and a button; only the POST renews."""
    if request.method == "GET":
        row = reconsent.find_usable(token)
        if row is None:
            return _invalid(request)
        return _page(request, "renew", assignment=row.assignment)
    result = reconsent.renew(token, request)
    if result.outcome is reconsent.RenewOutcome.INVALID:
        return _invalid(request)
    if result.outcome is reconsent.RenewOutcome.BUSY:
        return _busy(request)
    return _page(request, "renew_done", assignment=result.assignment)


@never_cache
@require_http_methods(["GET", "POST"])
def object_to_processing(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the objection ends and a button; only the POST ends it (Art. 21)."""
    if request.method == "GET":
        row = notice.find_usable(token)
        if row is None:
            return _invalid(request)
        return _page(request, "object", assignment=row.assignment)
    result = notice.object_to_processing(token, request)
    if result.outcome is notice.ObjectionOutcome.INVALID:
        return _invalid(request)
    if result.outcome is notice.ObjectionOutcome.BUSY:
        return _busy(request)
    return _page(request, "object_done", assignment=result.assignment)
