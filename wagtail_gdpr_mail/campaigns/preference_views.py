"""The preference centre's public views: GET shows, every change is a POST with CSRF.

The token in the URL is the delivery token of one campaign mail; the page never shows
the full address. An unknown, expired or erased link gets one friendly page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ..legal.controller import get_controller
from ..rights.access import WithdrawOutcome
from . import preferences

TEMPLATES = "wagtail_gdpr_mail/campaigns/"
#: Larger ids in a URL are never ours (and would overflow the database's integers).
MAX_ID = 2**63 - 1


def _page(request: HttpRequest, name: str, status: int = 200, **context: Any) -> HttpResponse:
    response = render(request, f"{TEMPLATES}{name}.html", context, status=status)
    # The token is in the URL: no link to another site may hand it on in a Referer
    # header. ("no-referrer" would also make browsers send "Origin: null" with the
    # page's own forms, which Django's CSRF check then refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def _invalid(request: HttpRequest) -> HttpResponse:
    return _page(request, "preferences_invalid", status=404)


def _back(token: str) -> HttpResponse:
    return redirect("wagtail_gdpr_mail:preferences", token=token)


@never_cache
@require_GET
def preference_centre(request: HttpRequest, token: str) -> HttpResponse:
    delivery = preferences.find_delivery(token)
    if delivery is None:
        return _invalid(request)
    return _page(
        request,
        "preferences",
        centre=preferences.centre(delivery),
        token=token,
        controller=get_controller(request=request),
    )


@never_cache
@require_POST
def withdraw(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    delivery = preferences.find_delivery(token)
    if delivery is None or pk > MAX_ID:
        return _invalid(request)
    result = preferences.withdraw(delivery, pk, request)
    if result.outcome is WithdrawOutcome.NOT_FOUND:
        return _invalid(request)
    name = result.purpose.assignment.purpose.name if result.purpose else ""
    if result.outcome is WithdrawOutcome.REFUSED:
        messages.error(request, _("“%(purpose)s” cannot be withdrawn here.") % {"purpose": name})
    elif result.outcome is WithdrawOutcome.OBJECTED:
        text = _("Your objection is recorded: we no longer process your data for “%(purpose)s”.")
        messages.success(request, text % {"purpose": name})
    else:
        messages.success(
            request, _("Your consent to “%(purpose)s” is withdrawn.") % {"purpose": name}
        )
    return _back(token)


@never_cache
@require_POST
def ask_again(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    delivery = preferences.find_delivery(token)
    if delivery is None or pk > MAX_ID:
        return _invalid(request)
    result = preferences.ask_again(delivery, pk, request)
    outcome = preferences.AskAgainOutcome
    name = result.purpose.name if result.purpose else ""
    if result.outcome is outcome.SENT:
        text = _(
            "We sent you an e-mail. Open the link in it to confirm “%(purpose)s”; until then "
            "nothing changes."
        )
        messages.success(request, text % {"purpose": name})
    elif result.outcome is outcome.NOT_NOW:
        text = _(
            "We cannot send you another confirmation e-mail right now. Please check your "
            "inbox for the last one, or try again later."
        )
        messages.warning(request, text)
    else:
        messages.error(request, _("There is nothing to confirm again for this purpose."))
    return _back(token)
