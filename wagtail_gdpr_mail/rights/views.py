"""Self-service views for visitors: ask for a link by e-mail, then download, withdraw or erase.

The request answers the same for known and unknown addresses and is rate
limited like the subscription form. The link works once: opening it (a POST,
so mail scanners do nothing) starts a short session bound to the contact.
The logic lives in :mod:`.access`; these views only translate HTTP.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ..conf import app_settings
from ..consent.evidence import client_info
from ..legal.controller import get_controller
from ..models import Contact
from ..ratelimit import hit, rate_identity
from . import access, export
from .forms import AccessRequestForm, EraseMeForm

TEMPLATES = "wagtail_gdpr_mail/public/"


def _page(request: HttpRequest, name: str, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _page(request, "my_data_request", status=400 if form.is_bound else 200, form=form)
    if not hit("my-data-ip", request.META.get("REMOTE_ADDR", ""), app_settings.RATE_LIMIT_PER_IP):
        return _page(request, "rate_limited", status=429)
    email = form.cleaned_data["email"]
    if hit("my-data-address", rate_identity(email), app_settings.RATE_LIMIT_PER_ADDRESS):
        # The lookup happens in a task: the same work here for every address.
        access.queue_access_request(email, language=getattr(request, "LANGUAGE_CODE", "") or "")
    # The same page whether or not we know the address.
    return _page(request, "my_data_sent")


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; the POST uses the link up and starts the session."""
    found = access.usable_access(token)
    if found is None:
        return _page(request, "my_data_invalid", status=404)
    if request.method == "GET":
        return _page(request, "my_data_open")
    if not access.use_access(found, request.session):  # a second click or a concurrent request
        return _page(request, "my_data_invalid", status=404)
    return redirect("wagtail_gdpr_mail:my_data_manage")


def _expired(request: HttpRequest) -> HttpResponse:
    return _page(request, "my_data_invalid", status=403, session_expired=True)


def _manage_page(
    request: HttpRequest, contact: Contact, erase_form: EraseMeForm, status: int = 200
) -> HttpResponse:
    purposes = access.own_purposes(contact)
    consented, other_grounds = access.split_by_consent(purposes)
    return _page(
        request,
        "my_data_manage",
        status=status,
        contact=contact,
        purposes=purposes,
        consented=consented,
        other_grounds=other_grounds,
        controller=get_controller(request=request),
        lists=contact.memberships.current().select_related("contact_list"),
        erase_form=erase_form,
    )


@never_cache
def manage(request: HttpRequest) -> HttpResponse:
    contact = access.session_contact(request.session)
    if contact is None:
        return _expired(request)
    return _manage_page(request, contact, EraseMeForm())


def export_response(
    contact: Contact, *, language: str, user: Any = None, ip: str = ""
) -> HttpResponse:
    """The contact's export as a JSON download (for the visitor and for editors)."""
    response = HttpResponse(
        export.export_json(contact, user=user, language=language, ip=ip),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export.export_filename(contact)}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_POST
def download(request: HttpRequest) -> HttpResponse:
    contact = access.session_contact(request.session)
    if contact is None:
        return _expired(request)
    return export_response(contact, language=getattr(request, "LANGUAGE_CODE", "en"))


@never_cache
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.session_contact(request.session)
    if contact is None:
        return _expired(request)
    result = access.withdraw(contact, pk, client=client_info(request))
    if result.outcome is access.WithdrawOutcome.NOT_FOUND:
        return _page(request, "my_data_invalid", status=404)
    if result.outcome is access.WithdrawOutcome.REFUSED:
        return _page(
            request,
            "my_data_not_withdrawable",
            status=403,
            purpose=result.purpose,
            controller=get_controller(request=request),
        )
    name = result.purpose.assignment.purpose.name if result.purpose else ""
    if result.outcome is access.WithdrawOutcome.OBJECTED:
        text = _("Your objection is recorded: we no longer process your data for “%(purpose)s”.")
    else:
        text = _("Your consent to “%(purpose)s” is withdrawn.")
    messages.success(request, text % {"purpose": name})
    return redirect("wagtail_gdpr_mail:my_data_manage")


@never_cache
@require_POST
def erase_me(request: HttpRequest) -> HttpResponse:
    contact = access.session_contact(request.session)
    if contact is None:
        return _expired(request)
    form = EraseMeForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, contact, form, status=400)
    access.erase_self(contact, request.session)
    return _page(request, "my_data_erased")
