"""Public views: submit a subscription form, confirm it by the link in the mail.

Visitors see friendly pages, never a traceback; every state change is a POST
with CSRF; the answer to a valid submission is the same whether or not the
address is known.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..conf import app_settings
from ..headers import mark_site_page
from ..ratelimit import hit, rate_identity
from . import signup
from .blocks import get_live_page
from .forms import BOUND_FORMS_ATTR, SUCCESS_PARAM, SubscriptionForm
from .published import published_form

TEMPLATES = "wagtail_gdpr_mail/public/"


def _page(request: HttpRequest, name: str, status: int = 200, **context) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


@never_cache
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    form_id = request.POST.get("form_id", "")[:64]
    published = published_form(request.POST.get("page_id"), form_id)
    if published is None:
        # The form is gone, or its main purpose was deleted or switched off.
        return _page(request, "form_missing", status=404)
    page = published.page

    if not hit("subscribe-ip", request.META.get("REMOTE_ADDR", ""), app_settings.RATE_LIMIT_PER_IP):
        return _page(request, "rate_limited", status=429, page=page)

    form = SubscriptionForm(published.config, page, data=request.POST)
    if not form.is_valid():
        setattr(request, BOUND_FORMS_ATTR, {form_id: form})
        # Serving renders the page for this request: a page object of its own, not the
        # one the process shares.
        page = get_live_page(page.pk) or page
        response = page.serve(request)
        if hasattr(response, "render"):
            response = response.render()
        response.status_code = 400
        return mark_site_page(response)

    success = HttpResponseRedirect(
        f"{published.url}?{urlencode({SUCCESS_PARAM: form_id})}#form-{form_id}"
    )
    if form.is_bot:
        return success
    address = rate_identity(form.cleaned_data["email"])
    if hit("subscribe-address", address, app_settings.RATE_LIMIT_PER_ADDRESS):
        signup.submit(request, published, form)
    return success


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only the POST confirms, so link scanners confirm nothing."""
    if request.method == "GET":
        pending = signup.find_signup(token)
        if pending is None:
            return _page(request, "confirm_invalid", status=404)
        if pending.confirmed_at is not None:
            return _page(request, "confirm_done", signup=pending, already=True)
        if pending.is_expired:
            return _page(request, "confirm_expired", status=410, signup=pending)
        return _page(request, "confirm", signup=pending)

    result = signup.confirm(token, request)
    outcome = signup.Outcome
    if result.outcome is outcome.INVALID:
        return _page(request, "confirm_invalid", status=404)
    if result.outcome is outcome.EXPIRED:
        return _page(request, "confirm_expired", status=410, signup=result.signup)
    if result.outcome is outcome.BUSY:
        response = _page(request, "confirm_busy", status=503)
        response["Retry-After"] = "2"
        return response
    return _page(
        request,
        "confirm_done",
        signup=result.signup,
        already=result.outcome is outcome.ALREADY_CONFIRMED,
    )
