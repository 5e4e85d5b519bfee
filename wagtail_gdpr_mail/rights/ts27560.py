"""Consent records in the information structure of ISO/IEC TS 27560:2023.

Beside each Kantara receipt (``rights/export.py``), every purpose a contact holds
or held gets a record with the field names and required items of TS 27560 as
the W3C DPV guide tabulates them: the lawful basis, the validity duration, the
state of each event, the retention period, the storage location, the
recipients, the entity that expressed the consent and the controller's
identifier. Purposes on another lawful basis get one too: TS 27560 records the
lawful basis, whatever it is.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..models import Contact, PurposeAssignment, RetentionUnit

SCHEMA_VERSION = "ISO/IEC TS 27560:2023"
#: Event state of TS 27560 by consent-record event.
EVENT_STATES = {
    "given": "given",
    "renewed": "renewed",
    "revoked": "withdrawn",
    "expired": "expired",
    "notice_sent": "notice",
}
#: Sources where the person expressed the consent themselves (form, re-consent link).
SELF_EXPRESSED = {"form", "reconsent"}


def iso_duration(amount: int | None, unit: str | None) -> str | None:
    """``3, "years"`` → ``"P3Y"`` (ISO 8601); None = no fixed limit."""
    if amount is None:
        return None
    letter = {RetentionUnit.DAYS: "D", RetentionUnit.MONTHS: "M"}.get(unit, "Y")
    return f"P{amount}{letter}"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _entity(source: str, event: str) -> str:
    if event == "expired":
        return "system"
    return "pii_principal" if source in SELF_EXPRESSED else "pii_controller"


def ts27560_record(
    contact: Contact,
    assignment: PurposeAssignment,
    history: list[Any],
    controller: dict[str, Any],
    recipients: list[dict[str, str]],
) -> dict[str, Any]:
    """The TS 27560 record of one assignment; ``history`` are its consent records."""
    purpose = assignment.purpose
    basis = purpose.legal_basis
    duration = iso_duration(purpose.retention_amount, purpose.retention_unit)
    storage = [{"location": "controller", "description": "the site's database (encrypted)"}]
    storage.extend(
        {"location": r["country"], "description": r["name"]} for r in recipients if r["country"]
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"gdpr-mail:27560:{assignment.pk}")),
        "pii_principal_id": f"contact:{contact.pk}",
        "pii_controllers": [
            {
                "controller_id": controller["companyId"] or controller["piiController"],
                "controller_name": controller["piiController"],
                "contact": controller["email"],
            }
        ],
        "notice": {"privacy_notice": controller["policyUrl"]},
        "purpose": {
            "purpose_id": purpose.pk,
            "purpose": purpose.name,
            "purpose_description": purpose.visitor_text,
            "lawful_basis": basis.code,
            "lawful_basis_article": basis.article,
            "retention_period": duration,
            "storage_location": storage,
            "recipients": [r["name"] for r in recipients],
        },
        "validity_duration": duration,
        "valid_from": _iso(assignment.valid_from),
        "valid_until": _iso(assignment.valid_until),
        "event_state": assignment.status,
        "events": [
            {
                "event_time": _iso(r.occurred_at),
                "event_type": r.event,
                "event_state": EVENT_STATES.get(r.event, r.event),
                "event_by": _entity(r.source, r.event),
                "record_hash": r.record_hash,
            }
            for r in history
        ],
    }
