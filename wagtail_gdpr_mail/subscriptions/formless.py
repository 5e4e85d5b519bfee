"""Double opt-in without a form on a page: the API's ``doi``, an import's invitations,
the preference centre's "give consent again". Each ends in the same pending signup and
confirmation as a form's (:mod:`.signup`); the evidence says where the request came
from instead of which form was shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from .. import outbox
from ..conf import app_settings
from ..consent.evidence import client_info
from ..crypto import email_blind_index, email_blind_index_candidates
from ..legal.controller import default_site
from ..locking import write_transaction
from ..models import Contact, ContactList, ProcessingPurpose, Suppression
from ..models.bulk_insert import insert_many
from ..models.signups import PendingSignup
from ..ratelimit import claim_confirmation_mail
from .blocks import DEFAULT_BODY, DEFAULT_SUBJECT
from .forms import purpose_snapshots
from .signup import NO_MAIL_REASONS, _claim_and_store


def _formless_form(
    purposes: list[ProcessingPurpose], origin: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], str]:
    """The evidence's "form" (the purposes as they read now, and where the request came
    from), the default confirmation mail and the default site's root URL."""
    shown = purpose_snapshots(purposes)
    form = {"main_purpose": shown[0] if shown else None, "extra_purposes": shown[1:], **origin}
    mail = {"subject": str(DEFAULT_SUBJECT), "body": str(DEFAULT_BODY)}
    site = default_site()
    return form, mail, (site.root_url if site is not None else "") + "/"


def submit_without_form(
    email: str,
    purposes: list[ProcessingPurpose],
    *,
    source: str,
    first_name: str = "",
    last_name: str = "",
    contact_list: ContactList | None = None,
    origin: dict[str, Any] | None = None,
    language: str | None = None,
) -> PendingSignup | None:
    """The double opt-in for a signup that no form showed (the API, an import): the
    same pending signup, quiet period, mail bounds and confirmation as :func:`submit`,
    with the default mail texts. ``origin`` (ids only) goes into the evidence, and the
    confirmed purposes get ``source``."""
    form, mail, base_url = _formless_form(purposes, {"origin": source})
    form["fields"] = [
        "email",
        *(["first_name"] if first_name else []),
        *(["last_name"] if last_name else []),
    ]
    data = {
        "first_name": first_name,
        "last_name": last_name,
        "purpose_ids": [p.pk for p in purposes],
        "submission": {"at": timezone.now().isoformat(), **(origin or {})},
        "form": form,
        "mail": mail,
        "base_url": base_url,
        "language": language,
        "source": source,
    }
    return _claim_and_store(email, data, page=None, form_id="", contact_list=contact_list)


@dataclass(frozen=True)
class Invitation:
    """One address invited by an import (or another bulk source) to confirm."""

    email: str
    email_index: str
    first_name: str = ""
    last_name: str = ""


def invite(
    invitations: list[Invitation],
    purposes: list[ProcessingPurpose],
    *,
    contact_list: ContactList | None,
    source: dict,
) -> int:
    """Store a pending signup per invitation and queue its confirmation mail after
    commit: the same double opt-in as a form's, so the contact appears (or gets the
    purposes) only when the person confirms. ``source`` says where the addresses came
    from (an import's id); it becomes the evidence's "submission". An address that
    still has an unconfirmed, unexpired signup already holds a link and gets no second
    mail. Returns how many were invited.
    """
    now = timezone.now()
    invitations = _without_open_signups(invitations, now)
    if not invitations:
        return 0
    form, mail, base_url = _formless_form(purposes, {"form_id": "", **source})
    signups = [
        PendingSignup(
            email=item.email,
            email_index=item.email_index,
            page=None,
            form_id=f"import-{source.get('import_id', '')}"[:64],
            contact_list=contact_list,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data={
                "first_name": item.first_name,
                "last_name": item.last_name,
                "purpose_ids": [p.pk for p in purposes],
                "submission": {"at": now.isoformat(), **source},
                "form": form,
                "mail": mail,
                "base_url": base_url,
                "language": None,
            },
        )
        for item in invitations
    ]
    insert_many(PendingSignup, signups)
    for signup in signups:
        outbox.queue_after_commit(signup)
    return len(signups)


def _without_open_signups(invitations: list[Invitation], now) -> list[Invitation]:
    candidates = {
        index: item for item in invitations for index in email_blind_index_candidates(item.email)
    }
    open_indexes = set(
        PendingSignup.objects.filter(
            email_index__in=list(candidates), confirmed_at__isnull=True, expires_at__gt=now
        ).values_list("email_index", flat=True)
    )
    held = {id(candidates[index]) for index in open_indexes}
    return [item for item in invitations if id(item) not in held]


#: The ``form_id`` of a signup asked for from the preference centre (no page, no form).
PREFERENCE_CENTRE_FORM_ID = "preference-centre"


def ask_again(
    contact: Contact,
    purposes: list[ProcessingPurpose],
    *,
    request: HttpRequest,
    form: dict[str, Any],
    mail: dict[str, str],
    base_url: str,
) -> PendingSignup | None:
    """A known contact asks to give ``purposes`` again (from the preference centre).

    The same double opt-in as a form: a pending signup for the contact's address whose
    confirmation mail (``mail``: subject and body with ``{confirm_url}``) they confirm by
    its link; ``form`` is what the page showed them, kept as evidence. None when no mail
    may go now: the address bounced or complained, had its confirmation mails for the
    day, or was mailed seconds ago (a double click).
    """
    email = contact.email
    if (
        not email
        or Suppression.objects.for_email(email).filter(reason__in=NO_MAIL_REASONS).exists()
    ):
        return None
    now = timezone.now()
    with write_transaction():
        if not claim_confirmation_mail(email, resend=True):
            return None
        signup = PendingSignup.objects.create(
            email=email,
            email_index=email_blind_index(email),
            form_id=PREFERENCE_CENTRE_FORM_ID,
            created_at=now,
            expires_at=now + timedelta(days=app_settings.SIGNUP_EXPIRY_DAYS),
            data={
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "purpose_ids": [p.pk for p in purposes],
                "submission": {"at": now.isoformat(), **client_info(request)},
                "form": form,
                "mail": mail,
                "base_url": base_url,
                "language": getattr(request, "LANGUAGE_CODE", None),
            },
        )
        outbox.queue_after_commit(signup)
    return signup
