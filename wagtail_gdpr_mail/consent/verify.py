"""Re-computing every contact's consent-record hash chain, to show tampering.

Each record is checked with the same :func:`~wagtail_gdpr_mail.models.consent.chain_link`
that wrote it: does it follow its predecessor, does its content still hash to
its stored hash, does its evidence still decrypt and match its digest.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from ..crypto import Unreadable, is_unreadable
from ..exceptions import DecryptionError
from ..models import GENESIS_HASH, ConsentRecord
from ..models.consent import chain_link, evidence_digest


def chain_problems(contact_id: int) -> Iterator[str]:
    """What is wrong with the chain of ``contact_id``, one sentence per problem."""
    expected_previous = GENESIS_HASH
    # The evidence is read raw and decrypted below, so that a corrupted value is
    # reported against its record instead of failing the whole query.
    records = (
        ConsentRecord.objects.filter(contact_id=contact_id)
        .defer("evidence")
        .annotate(raw_evidence=Cast("evidence", TextField()))
        .order_by("pk")
    )
    field = ConsentRecord._meta.get_field("evidence")
    for record in records.iterator(chunk_size=500):
        where = f"contact #{contact_id}, consent record #{record.pk}"
        if record.previous_hash != expected_previous:
            yield (
                f"{where}: does not follow the previous record — a record before it was "
                "removed, or this one was inserted or altered."
            )
        if chain_link(record.previous_hash, record.chained_content()) != record.record_hash:
            yield f"{where}: its content was changed after it was written."
        try:
            evidence = field.from_db_value(record.raw_evidence, None, connection)
        except DecryptionError:  # its key is not configured
            evidence = Unreadable("")
        if is_unreadable(evidence):
            yield f"{where}: its evidence was tampered with (it no longer decrypts)."
        else:
            # Anonymised records have no evidence left; their digest still counts.
            if evidence is not None and evidence_digest(evidence) != record.evidence_digest:
                yield f"{where}: its evidence does not match its digest."
        expected_previous = record.record_hash
