"""A blind index of contacts' custom fields, so that "custom field equals" runs in SQL.

Custom fields are encrypted, so SQL cannot compare them. On every save of a
contact, each (field, normalised value) pair is hashed with HMAC-SHA256 under
the blind-index key (the e-mail index's key family, with its own domain prefix)
and stored in :class:`~wagtail_gdpr_mail.models.CustomFieldIndex`. A rule looks
the digest up by equality. Like the e-mail index, this reveals only which
contacts share a value, never the value. Lists and objects are not indexed.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from ..crypto import get_blind_index, is_unreadable
from ..models import Contact, CustomFieldIndex
from ..signals import contact_erased

#: Separates the parts of the hashed message: in no e-mail address, so a field's
#: digest never equals an address's.
SEPARATOR = "\x1f"


def normalise_value(value: Any) -> str | None:
    """What the index hashes: NFKC, trimmed, lower case; numbers and booleans as JSON
    writes them; None for lists, objects and nulls."""
    if isinstance(value, bool | int | float):
        value = json.dumps(value)
    if not isinstance(value, str):
        return None
    return unicodedata.normalize("NFKC", value).strip().lower()


def _message(key: str, normalised: str) -> str:
    return SEPARATOR.join(("custom", key.strip(), normalised))


def digest_candidates(key: str, value: Any) -> list[str]:
    """The digests of (field, value) under every blind-index key (the first is current)."""
    normalised = normalise_value(value)
    if normalised is None:
        return []
    return get_blind_index().candidates(_message(key, normalised))


def digests_of(custom_fields: Any) -> set[str]:
    if not isinstance(custom_fields, dict):
        return set()
    index = get_blind_index()
    return {
        index.compute(_message(str(key), normalised))
        for key, value in custom_fields.items()
        if (normalised := normalise_value(value)) is not None
    }


def reindex(contact: Contact) -> None:
    """Replace the contact's digests by those of its current custom fields."""
    if is_unreadable(contact.custom_fields):
        return  # nothing readable to index; the old digests stay until it is fixed
    wanted = set() if contact.anonymised_at else digests_of(contact.custom_fields)
    with transaction.atomic():
        CustomFieldIndex.objects.filter(contact=contact).exclude(digest__in=wanted).delete()
        have = set(
            CustomFieldIndex.objects.filter(contact=contact).values_list("digest", flat=True)
        )
        CustomFieldIndex.objects.bulk_create(
            [CustomFieldIndex(contact=contact, digest=d) for d in sorted(wanted - have)]
        )


@receiver(post_save, sender=Contact, dispatch_uid="wagtail_gdpr_mail.custom_field_index")
def reindex_on_save(sender: type, instance: Contact, update_fields=None, **kwargs: Any) -> None:
    if update_fields is not None and "custom_fields" not in update_fields:
        return
    reindex(instance)


@receiver(contact_erased, dispatch_uid="wagtail_gdpr_mail.custom_field_index_erased")
def forget_on_erasure(sender: type, contact_ids: list[int], **kwargs: Any) -> None:
    """Anonymisation wipes the fields with an ``update()`` (no ``post_save``): drop
    their digests too. Deleted contacts take theirs along (cascade)."""
    CustomFieldIndex.objects.filter(contact_id__in=contact_ids).delete()
