"""Self-service for visitors: ask for a link by e-mail, then download, withdraw or erase.

The request answers the same for known and unknown addresses and is rate
limited like the subscription form. The link works once: opening it (a POST,
so mail scanners do nothing) starts a short session bound to the contact.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import exporting
from ..assignments import revoke_assignment
from ..conf import app_settings
from ..crypto import normalise_email
from ..erasure import erase_contacts
from ..models import AccessRequest, Contact, PurposeAssignment
from ..models.signups import hash_token
from ..ratelimit import hit
from ..subscription import client_info

SESSION_KEY = "wagtail_gdpr_mail_access"
TEMPLATES = "wagtail_gdpr_mail/public/"


class AccessRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)


class EraseMeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my data will be erased for good."), required=True
    )


def _page(request: HttpRequest, name: str, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, f"{TEMPLATES}{name}.html", context, status=status)


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return _page(request, "my_data_request", status=400 if form.is_bound else 200, form=form)
    if not hit("my-data-ip", request.META.get("REMOTE_ADDR", ""), app_settings.RATE_LIMIT_PER_IP):
        return _page(request, "rate_limited", status=429)
    email = normalise_email(form.cleaned_data["email"])
    if hit("my-data-address", email, app_settings.RATE_LIMIT_PER_ADDRESS):
        contact = Contact.objects.not_anonymised().by_email(email).first()
        if contact is not None:
            from ..tasks import queue_access_mail

            with transaction.atomic():
                access = AccessRequest.objects.create(
                    contact=contact,
                    expires_at=timezone.now()
                    + timedelta(hours=app_settings.SELF_SERVICE_LINK_HOURS),
                    base_url=request.build_absolute_uri("/")[:255],
                    language=(getattr(request, "LANGUAGE_CODE", "") or "")[:16],
                )
                transaction.on_commit(lambda: queue_access_mail(access.pk))
    # The same page whether or not we know the address.
    return _page(request, "my_data_sent")


def _find(token: str) -> AccessRequest | None:
    if not token or len(token) > 200:
        return None
    return (
        AccessRequest.objects.select_related("contact").filter(token_hash=hash_token(token)).first()
    )


@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; the POST uses the link up and starts the session."""
    access = _find(token)
    if access is None or not access.is_usable:
        return _page(request, "my_data_invalid", status=404)
    if request.method == "GET":
        return _page(request, "my_data_open")
    with transaction.atomic():
        updated = AccessRequest.objects.filter(pk=access.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
    if not updated:  # a second click or a concurrent request
        return _page(request, "my_data_invalid", status=404)
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "contact": access.contact_id,
        "until": time.time() + app_settings.SELF_SERVICE_SESSION_MINUTES * 60,
    }
    return redirect("wagtail_gdpr_mail:my_data_manage")


def _session_contact(request: HttpRequest) -> Contact | None:
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return Contact.objects.not_anonymised().filter(pk=state.get("contact")).first()


def _expired(request: HttpRequest) -> HttpResponse:
    return _page(request, "my_data_invalid", status=403, session_expired=True)


def manage(request: HttpRequest) -> HttpResponse:
    contact = _session_contact(request)
    if contact is None:
        return _expired(request)
    assignments = contact.assignments.select_related("purpose").order_by("purpose__name")
    return _page(
        request,
        "my_data_manage",
        contact=contact,
        assignments=assignments,
        lists=contact.memberships.select_related("contact_list"),
        erase_form=EraseMeForm(),
    )


@require_POST
def download(request: HttpRequest) -> HttpResponse:
    contact = _session_contact(request)
    if contact is None:
        return _expired(request)
    response = HttpResponse(
        exporting.export_json(contact, language=getattr(request, "LANGUAGE_CODE", "en")),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{exporting.export_filename(contact)}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _session_contact(request)
    if contact is None:
        return _expired(request)
    assignment = PurposeAssignment.objects.filter(contact=contact, pk=pk).first()
    if assignment is None:
        return _page(request, "my_data_invalid", status=404)
    revoke_assignment(
        assignment,
        reason=PurposeAssignment.RevocationReason.WITHDRAWN,
        evidence={"withdrawal": {"at": timezone.now().isoformat(), **client_info(request)}},
    )
    return redirect("wagtail_gdpr_mail:my_data_manage")


@require_POST
def erase_me(request: HttpRequest) -> HttpResponse:
    contact = _session_contact(request)
    if contact is None:
        return _expired(request)
    form = EraseMeForm(request.POST)
    if not form.is_valid():
        assignments = contact.assignments.select_related("purpose").order_by("purpose__name")
        return _page(
            request,
            "my_data_manage",
            status=400,
            contact=contact,
            assignments=assignments,
            lists=contact.memberships.select_related("contact_list"),
            erase_form=form,
        )
    erase_contacts([contact], app_settings.SELF_SERVICE_ERASURE_MODE)
    request.session.pop(SESSION_KEY, None)
    return _page(request, "my_data_erased")
