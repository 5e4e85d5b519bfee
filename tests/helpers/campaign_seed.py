"""Many campaign recipients at once: contacts with real (encrypted) addresses, each in
the list and holding the purpose. Shared by the crash test and ``benchmarks/campaign.py``
(which puts the repository root on ``sys.path``)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from wagtail_gdpr_mail.crypto import email_blind_index
from wagtail_gdpr_mail.models import Contact, ListMembership, PurposeAssignment
from wagtail_gdpr_mail.models.bulk_insert import insert_many

CHUNK = 5000


def recipient_address(number: int, domain: str = "example.com") -> str:
    return f"recipient{number}@{domain}"


def seed_recipients(count: int, purpose, contact_list, *, start: int = 0) -> list[int]:
    """``count`` contacts ``recipient<start…>@example.com``, members of ``contact_list``
    holding ``purpose`` validly (no end); returns their ids."""
    ids: list[int] = []
    now = timezone.now()
    for offset in range(0, count, CHUNK):
        contacts = []
        for number in range(start + offset, start + min(count, offset + CHUNK)):
            email = recipient_address(number)
            contacts.append(
                Contact(email=email, email_index=email_blind_index(email), source="import")
            )
        ids += [c.pk for c in insert_many(Contact, contacts)]
    tables = {
        "assignment": PurposeAssignment._meta.db_table,
        "membership": ListMembership._meta.db_table,
        "contact": Contact._meta.db_table,
    }
    with connection.cursor() as cursor:
        low, high = min(ids), max(ids)
        cursor.execute(
            f"INSERT INTO {tables['assignment']} (contact_id, purpose_id, valid_from, "  # noqa: S608
            "valid_until, source, created_at, revoked_at, revocation_reason, editor_reason) "
            f"SELECT id, %s, %s, NULL, 'import', %s, NULL, '', '' FROM {tables['contact']} "
            "WHERE id BETWEEN %s AND %s",
            [purpose.pk, now, now, low, high],
        )
        cursor.execute(
            f"INSERT INTO {tables['membership']} (contact_id, contact_list_id, added_at) "  # noqa: S608
            f"SELECT id, %s, %s FROM {tables['contact']} WHERE id BETWEEN %s AND %s",
            [contact_list.pk, now, low, high],
        )
    return ids
