"""Public view of campaigns: the unsubscribe link.

GET shows a page with a button and changes nothing (mail scanners fetch links); the
POST unsubscribes. The POST is exempt from CSRF and needs no cookie: mailbox providers
send it as RFC 8058 one-click unsubscribe, and the token is the proof.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .unsubscribe import UnsubscribeOutcome, find_delivery, unsubscribe

TEMPLATES = "wagtail_gdpr_mail/public/"


def _page(request: HttpRequest, name: str, status: int = 200, **context) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def campaign_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        delivery = find_delivery(token)
        if delivery is None:
            return _page(request, "link_invalid", status=404)
        return _page(request, "unsubscribe", campaign=delivery.campaign)
    result = unsubscribe(token, request)
    if result.outcome is UnsubscribeOutcome.INVALID:
        return _page(request, "link_invalid", status=404)
    if result.outcome is UnsubscribeOutcome.BUSY:
        response = _page(request, "link_busy", status=503)
        response["Retry-After"] = "2"
        return response
    return _page(request, "unsubscribe_done", campaign=result.delivery.campaign)
