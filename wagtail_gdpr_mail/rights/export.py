"""The right of access and to portability: everything held about a contact, as JSON.

The format is versioned (``format_version``) and described by the JSON Schema
shipped at ``wagtail_gdpr_mail/schemas/contact-export.schema.json``. Each
purpose also gets a consent receipt whose field names follow the Kantara
Consent Receipt v1.1 and ISO/IEC TS 27560.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.utils import timezone
from wagtail.models import Site

from .. import audit
from ..crypto import is_unreadable, unreadable_fields
from ..legal.controller import controller_details
from ..legal.ropa import recipients_by_purpose
from ..models import Contact, ProcessingPurpose, PurposeAssignment
from .access import SelfServiceAction, self_service_action
from .ts27560 import ts27560_record

FORMAT_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "contact-export.schema.json"
RECEIPT_SCHEMA_PATH = Path(__file__).parent.parent / "schemas" / "kantara-cr-v1.1.schema.json"
RECEIPT_VERSION = "KI-CR-v1.1.0"
#: What an export holds in place of a value that could not be decrypted (a changed or
#: damaged ciphertext); the same in every language, as the rest of the format.
UNREADABLE = "(unreadable)"
RECORD_FIELDS = (
    "assignment_id",
    "purpose_id",
    "event",
    "source",
    "occurred_at",
    "valid_from",
    "valid_until",
    "purpose_revision_id",
    "evidence",
    "previous_hash",
    "record_hash",
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _epoch(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


#: ``withdrawalMethod`` of a purpose whose legal basis cannot be ended in self-service;
#: English, like the rest of the format.
NOT_WITHDRAWABLE_METHODS = {
    "contract": "cannot be withdrawn: needed to perform our contract with you; "
    "contact the controller",
    "legal_obligation": "cannot be withdrawn: required by law; contact the controller",
    "vital_interest": "cannot be withdrawn: needed to protect vital interests; "
    "contact the controller",
    "public_task": "cannot be withdrawn: needed for a task in the public interest; to object "
    "on grounds relating to your particular situation (GDPR Art. 21), contact the controller",
}


def withdrawal_method(purpose: ProcessingPurpose) -> str:
    """How the person can end ``purpose``, as the "my data" page offers it: withdraw
    consent, object to legitimate interest (Art. 21), or not at all there."""
    action = self_service_action(purpose)
    unsubscribe = (
        "the unsubscribe link in every e-mail, " if purpose.revocable_by_unsubscribe else ""
    )
    if action is SelfServiceAction.WITHDRAW:
        return f"{unsubscribe}the 'my data' page, or a message to the controller"
    if action is SelfServiceAction.OBJECT:
        return (
            f"objection (GDPR Art. 21): {unsubscribe}the 'my data' page "
            "('Object to this processing'), or a message to the controller"
        )
    return NOT_WITHDRAWABLE_METHODS.get(
        purpose.legal_basis.code, "cannot be withdrawn; contact the controller"
    )


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_receipt_schema() -> dict[str, Any]:
    """The JSON schema of the Kantara Consent Receipt v1.1 that every receipt follows."""
    return json.loads(RECEIPT_SCHEMA_PATH.read_text(encoding="utf-8"))


#: How each field a contact can hold is named in a receipt's ``piiCategory``.
PII_FIELD_NAMES = {"email": "E-mail address", "first_name": "First name", "last_name": "Last name"}
COLLECTION_METHODS = {
    "form": "web form with double opt-in",
    "admin": "entered by an editor",
    "import": "import",
    "api": "API",
    "reconsent": "re-consent e-mail",
}


def collected_fields(contact: Contact, given: Any) -> list[str]:
    """What was collected for a purpose, as ``piiCategory`` names: the fields the form
    asked for (its snapshot in the evidence), else the fields the contact holds; plus
    the contact's custom fields. Never the purpose's internal note."""
    # Evidence or custom fields that no longer decrypt (Unreadable) tell nothing here.
    evidence = given.evidence if given is not None else None
    form = (evidence.get("form") or {}) if isinstance(evidence, dict) else {}
    if form.get("fields"):
        fields = [f for f in form["fields"] if f in PII_FIELD_NAMES]
    else:
        fields = ["email", *(f for f in ("first_name", "last_name") if getattr(contact, f))]
    names = [PII_FIELD_NAMES[f] for f in dict.fromkeys(["email", *fields])]
    custom = contact.custom_fields if isinstance(contact.custom_fields, dict) else {}
    names.extend(f"Custom field: {key}" for key in sorted(custom))
    return names


def _receipt(
    contact: Contact,
    assignment: PurposeAssignment,
    history: list[Any],
    controller: dict[str, Any],
    language: str,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The Kantara Consent Receipt v1.1 of one consent-based assignment; validates against
    ``schemas/kantara-cr-v1.1.schema.json``."""
    purpose = assignment.purpose
    basis = purpose.legal_basis
    given = next((r for r in reversed(history) if r.event in ("given", "renewed")), None)
    recipients = context["recipients"].get(purpose.pk, ())
    disclosure: dict[str, Any] = {"thirdPartyDisclosure": bool(recipients)}
    if recipients:
        disclosure["thirdPartyName"] = "; ".join(recipients)
    pii_controller = {
        "piiController": controller["piiController"] or context["site_name"],
        "onBehalf": False,
        "contact": controller["contact"] or controller["piiController"] or context["site_name"],
        "address": controller["address"],
        "email": controller["email"],
        "phone": controller["phone"],
    }
    return {
        # Kantara Consent Receipt v1.1 names
        "version": RECEIPT_VERSION,
        "jurisdiction": "EU",
        "consentTimestamp": _epoch(assignment.valid_from),
        "collectionMethod": COLLECTION_METHODS.get(assignment.source, assignment.source),
        "consentReceiptID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gdpr-mail:{assignment.pk}")),
        "language": language,
        "piiPrincipalId": f"contact:{contact.pk}",
        "piiControllers": [pii_controller],
        "policyUrl": controller["policyUrl"],
        "services": [
            {
                "service": "e-mail",
                "purposes": [
                    {
                        "purpose": purpose.visitor_text,
                        "purposeCategory": [purpose.purpose_category],
                        # Every receipt is of consent given by an affirmative act
                        # (a ticked box, confirmed by e-mail, or recorded by an editor).
                        "consentType": "EXPLICIT",
                        "piiCategory": collected_fields(contact, given),
                        "primaryPurpose": True,
                        "termination": (
                            f"valid until {_iso(assignment.valid_until)}"
                            if assignment.valid_until
                            else "until withdrawn"
                        ),
                        **disclosure,
                    }
                ],
            }
        ],
        "sensitive": False,
        "spiCat": [],
        # ISO/IEC TS 27560 names for what Kantara does not cover
        "purposeName": purpose.name,
        "legalBasis": {"code": basis.code, "article": basis.article},
        "validFrom": _iso(assignment.valid_from),
        "validUntil": _iso(assignment.valid_until),
        "retention": purpose.retention_display,
        "status": assignment.status,
        "withdrawalMethod": withdrawal_method(purpose),
        "revokedAt": _iso(assignment.revoked_at),
        "consentRecordHash": given.record_hash if given else None,
        "purposeVersion": context["versions"].get(given.purpose_revision_id) if given else None,
    }


def export_contact(
    contact: Contact, *, user: Any = None, language: str = "en", ip: str = ""
) -> dict[str, Any]:
    """Everything held about ``contact`` (documented, versioned); logs the export (``ip``:
    the editor's address, for access monitoring; not logged)."""
    contact = Contact.objects.get(pk=contact.pk)
    controller = controller_details()
    assignments = list(
        contact.assignments.select_related("purpose", "purpose__legal_basis").order_by(
            "created_at", "pk"
        )
    )
    # Every record once; the per-purpose histories are built from this list.
    # Plain rows, not model instances: a long history builds thousands of them.
    records = [
        SimpleNamespace(**row)
        for row in contact.consent_records.order_by("pk").values(*RECORD_FIELDS)
    ]
    purpose_names = dict(
        ProcessingPurpose.objects.filter(pk__in={r.purpose_id for r in records}).values_list(
            "pk", "name"
        )
    )
    history: dict[int, list[Any]] = {}
    for record in records:
        history.setdefault(record.assignment_id, []).append(record)
    versions = ProcessingPurpose.objects.version_numbers(r.purpose_revision_id for r in records)
    site = Site.objects.filter(is_default_site=True).first()
    recipient_details = recipients_by_purpose({a.purpose_id for a in assignments})
    receipt_context = {
        "versions": versions,
        "recipients": {pk: [r["name"] for r in found] for pk, found in recipient_details.items()},
        "recipient_details": recipient_details,
        "site_name": (site.site_name if site else "") or "the site's operator",
    }
    data = {
        "format": "wagtail-gdpr-mail contact export",
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "controller": controller,
        "contact": {
            "id": contact.pk,
            "email": _text(contact.email),
            "first_name": _text(contact.first_name),
            "last_name": _text(contact.last_name),
            "custom_fields": (
                {"unreadable": True}
                if is_unreadable(contact.custom_fields)
                else contact.custom_fields or {}
            ),
            "source": contact.source,
            "created_at": _iso(contact.created_at),
            "updated_at": _iso(contact.updated_at),
            "anonymised_at": _iso(contact.anonymised_at),
        },
        "lists": [
            {"name": m.contact_list.name, "joined_at": _iso(m.added_at), "left_at": _iso(m.left_at)}
            for m in contact.memberships.select_related("contact_list").order_by("added_at", "pk")
        ],
        "purposes": [
            {
                "purpose": a.purpose.name,
                "legal_basis": a.purpose.legal_basis.code,
                "legal_basis_article": a.purpose.legal_basis.article_display,
                "status": a.status,
                "source": a.source,
                "valid_from": _iso(a.valid_from),
                "valid_until": _iso(a.valid_until),
                "revoked_at": _iso(a.revoked_at),
                "revocation_reason": a.revocation_reason or None,
                "withdrawal_method": withdrawal_method(a.purpose),
                "history": [
                    {"event": r.event, "at": _iso(r.occurred_at), "record_hash": r.record_hash}
                    for r in history.get(a.pk, [])
                ],
            }
            for a in assignments
        ],
        "consent_records": [
            {
                "event": r.event,
                "purpose": purpose_names.get(r.purpose_id, ""),
                "source": r.source,
                "occurred_at": _iso(r.occurred_at),
                "valid_from": _iso(r.valid_from),
                "valid_until": _iso(r.valid_until),
                "purpose_version": versions.get(r.purpose_revision_id),
                "purpose_revision_id": r.purpose_revision_id,
                "evidence": _public_evidence(r.evidence),
                "previous_hash": r.previous_hash,
                "record_hash": r.record_hash,
            }
            for r in records
        ],
        "ts27560_records": [
            ts27560_record(
                contact,
                a,
                history.get(a.pk, []),
                controller,
                receipt_context["recipient_details"].get(a.purpose.pk, []),
            )
            for a in assignments
        ],
        "receipts": [
            _receipt(contact, a, history.get(a.pk, []), controller, language, receipt_context)
            for a in assignments
            if a.purpose.legal_basis.requires_consent
        ],
    }
    audit.log_action(contact, audit.EXPORT, user=user, ip=ip)
    return data


def _text(value: Any) -> Any:
    return UNREADABLE if is_unreadable(value) else value


def unreadable_values(contact: Contact) -> list[str]:
    """What an export of ``contact`` could not read: ``"Contact first_name"``,
    ``"ConsentRecord #12 evidence"``; empty when everything decrypts."""
    contact = Contact.objects.get(pk=contact.pk)
    found = [f"Contact {name}" for name in unreadable_fields(contact)]
    for pk, evidence in contact.consent_records.order_by("pk").values_list("pk", "evidence"):
        if is_unreadable(evidence):
            found.append(f"ConsentRecord #{pk} evidence")
    return found


def _public_evidence(evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    if is_unreadable(evidence):
        return {"unreadable": True}
    return {k: v for k, v in evidence.items() if k != "salt"}


def export_json(contact: Contact, **kwargs: Any) -> str:
    return json.dumps(export_contact(contact, **kwargs), ensure_ascii=False, indent=2)


def export_filename(contact: Contact) -> str:
    # No address in the file name: it ends up in download folders and logs.
    return f"contact-{contact.pk}-{timezone.now():%Y%m%d}.json"
