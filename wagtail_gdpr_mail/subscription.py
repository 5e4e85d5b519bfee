"""Subscribing and confirming: the form, the pending signup, the double opt-in.

The view layer (``views/public.py``) only translates HTTP into calls here.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
from django.core import signing
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.blocks import StreamValue, StructValue
from wagtail.log_actions import log
from wagtail.models import Page, Revision

from .assignments import assign_purpose
from .conf import app_settings
from .crypto import email_blind_index, email_blind_index_candidates
from .models import (
    Contact,
    ContactSource,
    LegalBasis,
    ListMembership,
    ProcessingPurpose,
    Suppression,
)
from .models.signups import PendingSignup, SignupToken, hash_token

HONEYPOT_FIELD = "website"
BOUND_FORMS_ATTR = "_gdpr_mail_bound_forms"
SUCCESS_PARAM = "subscribed"
TIMESTAMP_SALT = "wagtail_gdpr_mail.form-rendered-at"


# --- Finding the form's configuration on the live page -----------------------------


def _walk(value: Any):
    """Every StructValue inside a StreamField value, depth first."""
    if isinstance(value, StreamValue):
        for child in value:
            yield from _walk(child.value)
    elif isinstance(value, StructValue):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list | tuple) or type(value).__name__ == "ListValue":
        for item in value:
            yield from _walk(item)


def find_form(page: Page, form_id: str) -> StructValue | None:
    """The configuration of the subscription form ``form_id`` on ``page``, or None."""
    from wagtail.fields import StreamField

    from .blocks import SubscriptionFormBlock

    if not form_id:
        return None
    for field in page._meta.get_fields():
        if not isinstance(field, StreamField):
            continue
        for struct in _walk(getattr(page, field.name)):
            if isinstance(struct.block, SubscriptionFormBlock) and struct.get("form_id") == form_id:
                return struct
    return None


def get_live_page(page_id: Any) -> Page | None:
    try:
        page_id = int(page_id)
    except (TypeError, ValueError):
        return None
    # Forms on pages behind a view restriction work for those who may see the page;
    # what matters is that the page is live, so drafts cannot collect data.
    return Page.objects.live().filter(pk=page_id).specific().first()


# --- The form ----------------------------------------------------------------------


def _purpose_field_name(purpose: ProcessingPurpose) -> str:
    return f"purpose_{purpose.pk}"


def extra_purposes(config: StructValue) -> list[ProcessingPurpose]:
    return [p for p in config.get("extra_purposes") or [] if p is not None and p.is_active]


class SubscriptionForm(forms.Form):
    """What the visitor fills in. Built from the block's configuration on the server."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    page_id = forms.IntegerField(widget=forms.HiddenInput)
    form_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    rendered_at = forms.CharField(widget=forms.HiddenInput, max_length=200)
    # A field people never see (hidden by CSS and from screen readers); bots fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, config: StructValue, page: Page | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config, self.page = config, page
        if not config.get("ask_first_name"):
            del self.fields["first_name"]
        if not config.get("ask_last_name"):
            del self.fields["last_name"]
        self.extra_purposes = extra_purposes(config)
        for purpose in self.extra_purposes:
            self.fields[_purpose_field_name(purpose)] = forms.BooleanField(
                label=purpose.name, help_text=purpose.visitor_text, required=False, initial=False
            )
        # No page in the block chooser's preview; the live form always has one.
        self.fields["page_id"].initial = page.pk if page is not None else None
        self.fields["form_id"].initial = config.get("form_id")
        self.fields["rendered_at"].initial = signing.Signer(salt=TIMESTAMP_SALT).sign(
            repr(time.time())
        )

    @property
    def is_bot(self) -> bool:
        """A filled honeypot, or a form sent back faster than a person could fill it."""
        if self.cleaned_data.get(HONEYPOT_FIELD):
            return True
        try:
            rendered = float(
                signing.Signer(salt=TIMESTAMP_SALT).unsign(self.cleaned_data["rendered_at"])
            )
        except (signing.BadSignature, ValueError, KeyError):
            return True
        return time.time() - rendered < app_settings.MIN_FILL_SECONDS

    def chosen_purposes(self) -> list[ProcessingPurpose]:
        chosen = [self.config["main_purpose"]]
        chosen += [p for p in self.extra_purposes if self.cleaned_data.get(_purpose_field_name(p))]
        return chosen


def privacy_link(config: StructValue) -> str:
    page = config.get("privacy_page")
    if page is not None:
        return page.full_url or page.url or ""
    return config.get("privacy_url") or ""


def form_context(config: StructValue, parent_context: dict[str, Any]) -> dict[str, Any]:
    """Template context of a rendered form: bound after a failed POST, fresh otherwise."""
    request: HttpRequest | None = parent_context.get("request")
    page = parent_context.get("page") or parent_context.get("self")
    form_id = config.get("form_id") or ""
    bound = getattr(request, BOUND_FORMS_ATTR, {}).get(form_id) if request else None
    form = None
    if bound is not None:
        form = bound
    else:
        page = page if isinstance(page, Page) else None
        form = SubscriptionForm(config, page, auto_id=f"id_{form_id[:8]}_%s")
    submitted = bool(request and request.GET.get(SUCCESS_PARAM) == form_id)
    return {
        "form": form,
        "form_id": form_id,
        "submitted": submitted,
        "action_url": reverse("wagtail_gdpr_mail:subscribe"),
        "privacy_link": privacy_link(config),
        "main_purpose": config.get("main_purpose"),
    }


# --- Evidence ----------------------------------------------------------------------


def _purpose_snapshot(purpose: ProcessingPurpose, basis_codes: dict[int, str]) -> dict[str, Any]:
    if purpose.latest_revision_id is None:
        purpose.current_revision()
    return {
        "id": purpose.pk,
        "name": purpose.name,
        "text": purpose.visitor_text,
        "legal_basis": basis_codes.get(purpose.legal_basis_id, ""),
        "retention": purpose.retention_display,
        "revision_id": purpose.latest_revision_id,
    }


def form_snapshot(config: StructValue, page: Page, form: SubscriptionForm) -> dict[str, Any]:
    """The form exactly as the visitor saw it: texts, purposes and where it sat."""
    purposes = [config["main_purpose"], *form.extra_purposes]
    basis_codes = dict(
        LegalBasis.objects.filter(pk__in={p.legal_basis_id for p in purposes}).values_list(
            "pk", "code"
        )
    )
    return {
        "page": {"id": page.pk, "title": page.title, "url": page.full_url or page.url},
        "form_id": config.get("form_id"),
        "heading": config.get("heading"),
        "intro": str(config.get("intro") or ""),
        "info_text": str(config.get("info_text") or ""),
        "privacy_link": privacy_link(config),
        "main_purpose": _purpose_snapshot(config["main_purpose"], basis_codes),
        "extra_purposes": [_purpose_snapshot(p, basis_codes) for p in form.extra_purposes],
        "fields": [name for name in ("email", "first_name", "last_name") if name in form.fields],
        "submit_label": config.get("submit_label"),
    }


def client_info(request: HttpRequest) -> dict[str, str]:
    return {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:500],
    }


# --- Submitting --------------------------------------------------------------------


def submit(request: HttpRequest, page: Page, form: SubscriptionForm) -> PendingSignup | None:
    """Store a valid submission and queue its confirmation mail (after commit).

    Returns None when nothing is sent: a second submission for the same address
    within the quiet period. The visitor sees the same answer either way.
    """
    email = form.cleaned_data["email"]
    now = timezone.now()
    quiet_since = now - timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    # Two submissions at the same moment both pass the database check below; an
    # atomic cache add lets only one through.
    guard = quiet_guard_key(email_blind_index(email))
    quiet_seconds = app_settings.QUIET_PERIOD_MINUTES * 60
    if quiet_seconds and not caches[app_settings.RATE_LIMIT_CACHE].add(guard, 1, quiet_seconds):
        return None
    try:
        return _store_signup(request, page, form, email, now, quiet_since)
    except Exception:
        caches[app_settings.RATE_LIMIT_CACHE].delete(guard)
        raise


def quiet_guard_key(index: str) -> str:
    return f"wagtail_gdpr_mail:quiet:{index}"


def release_quiet_guard(indexes) -> None:
    """Let the address subscribe again at once (after a confirmation or an erasure)."""
    caches[app_settings.RATE_LIMIT_CACHE].delete_many([quiet_guard_key(i) for i in indexes if i])


def _store_signup(request, page, form, email, now, quiet_since) -> PendingSignup | None:
    from .tasks import queue_confirmation_mail

    with transaction.atomic():
        if PendingSignup.objects.filter(
            email_index__in=email_blind_index_candidates(email),
            created_at__gte=quiet_since,
            confirmed_at__isnull=True,
        ).exists():
            return None
        config = form.config
        signup = PendingSignup.objects.create(
            email=email,
            email_index=email_blind_index(email),
            page=page,
            form_id=config["form_id"],
            contact_list=config.get("target_list"),
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data={
                "first_name": form.cleaned_data.get("first_name", ""),
                "last_name": form.cleaned_data.get("last_name", ""),
                "purpose_ids": [p.pk for p in form.chosen_purposes()],
                "submission": {"at": now.isoformat(), **client_info(request)},
                "form": form_snapshot(config, page, form),
                "mail": {"subject": config.get("mail_subject"), "body": config.get("mail_body")},
                "base_url": request.build_absolute_uri("/"),
                "language": getattr(request, "LANGUAGE_CODE", None),
            },
        )
        transaction.on_commit(lambda: queue_confirmation_mail(signup.pk))
    return signup


# --- Confirming --------------------------------------------------------------------


class Outcome(enum.Enum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    EXPIRED = "expired"
    INVALID = "invalid"


@dataclass
class Confirmation:
    outcome: Outcome
    signup: PendingSignup | None = None
    contact: Contact | None = None


def find_signup(token: str) -> PendingSignup | None:
    if not token or len(token) > 200:
        return None
    row = SignupToken.objects.select_related("signup").filter(token_hash=hash_token(token)).first()
    return row.signup if row else None


def confirm(token: str, request: HttpRequest) -> Confirmation:
    """Turn a pending signup into a contact with its purposes — exactly once.

    One transaction: the signup row is locked, so a double click or two
    concurrent requests confirm once; the second sees ``ALREADY_CONFIRMED``.
    """
    signup = find_signup(token)
    if signup is None:
        return Confirmation(Outcome.INVALID)
    with transaction.atomic():
        signup = PendingSignup.objects.select_for_update().get(pk=signup.pk)
        if signup.confirmed_at is not None:
            return Confirmation(Outcome.ALREADY_CONFIRMED, signup)
        if signup.is_expired:
            return Confirmation(Outcome.EXPIRED, signup)
        now = timezone.now()
        lifted = list(Suppression.objects.for_email(signup.email).values_list("reason", flat=True))
        Suppression.objects.for_email(signup.email).delete()
        contact = _contact_for(signup)
        if signup.contact_list_id:
            ListMembership.objects.get_or_create(
                contact=contact, contact_list_id=signup.contact_list_id, defaults={"added_at": now}
            )
        data = signup.data
        evidence = {
            "submission": data.get("submission"),
            "confirmation": {"at": now.isoformat(), **client_info(request)},
            "form": data.get("form"),
            "mail": signup.mail_snapshot,
            "signup_id": signup.pk,
        }
        if lifted:
            evidence["suppression_lifted"] = lifted
        shown = data.get("form") or {}
        seen_revisions = {
            p["id"]: p.get("revision_id")
            for p in [shown.get("main_purpose") or {}, *(shown.get("extra_purposes") or [])]
            if p
        }
        # A revision purged since the visit cannot be pointed at; fall back to the current one.
        existing = set(
            Revision.objects.filter(pk__in=[r for r in seen_revisions.values() if r]).values_list(
                "pk", flat=True
            )
        )
        seen_revisions = {k: v for k, v in seen_revisions.items() if v in existing}
        purposes = ProcessingPurpose.objects.filter(pk__in=data.get("purpose_ids", []))
        for purpose in purposes:
            assign_purpose(
                contact,
                purpose,
                source=ContactSource.FORM,
                valid_from=now,
                evidence=evidence,
                audit=False,
                purpose_revision_id=seen_revisions.get(purpose.pk),
            )
        release_quiet_guard(email_blind_index_candidates(signup.email))
        # The evidence now lives in the consent records; the signup keeps no
        # personal data, only what answers a second click until it is purged.
        signup.confirmed_at = now
        signup.email, signup.email_index, signup.data, signup.mail_snapshot = "", "", {}, None
        signup.save(update_fields=["confirmed_at", "email", "email_index", "data", "mail_snapshot"])
        log(
            contact,
            "wagtail_gdpr_mail.confirm_signup",
            data={"signup_id": signup.pk, "purpose_ids": sorted(p.pk for p in purposes)},
        )
    return Confirmation(Outcome.CONFIRMED, signup, contact)


def _contact_for(signup: PendingSignup) -> Contact:
    """The contact with the signup's address: found by blind index, or created."""
    data = signup.data
    contact = (
        Contact.objects.select_for_update()
        .filter(email_index__in=email_blind_index_candidates(signup.email))
        .first()
    )
    if contact is None:
        try:
            with transaction.atomic():
                contact = Contact(
                    email=signup.email,
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    source=ContactSource.FORM,
                )
                # The person's own double opt-in is the one way past a suppression.
                contact.save(allow_suppressed=True)
                return contact
        except IntegrityError:
            # Another signup for the same address confirmed at this very moment.
            contact = Contact.objects.select_for_update().by_email(signup.email).get()
    changed = []
    for field in ("first_name", "last_name"):
        if data.get(field) and getattr(contact, field) != data[field]:
            setattr(contact, field, data[field])
            changed.append(field)
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    return contact


def controller_name(page: Page | None = None) -> str:
    from .legal import get_controller

    site = page.get_site() if page is not None else None
    name = getattr(get_controller(site), "controller_name", "") or ""
    return name or gettext("the site's operator")
