"""Re-computing every contact's consent-record chain, to show tampering.

Each record is checked with the same :func:`~wagtail_gdpr_mail.models.consent.chain_link`
that wrote it, under the chain key it names: does it follow its predecessor,
does its content still give its stored link, does its evidence still decrypt
and match its digest. Then the end of the chain is compared with the contact's
sealed :class:`~wagtail_gdpr_mail.models.ConsentChainHead`, so records removed
from the end (or all of them) are reported too, and a live contact's wiped
evidence or missing records are reported against the contact.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, TextField
from django.db.models.functions import Cast

from ..conf import app_settings
from ..crypto import Key, Unreadable, is_unreadable
from ..exceptions import DecryptionError
from ..models import GENESIS_HASH, ConsentChainHead, ConsentRecord, Contact, PurposeAssignment
from ..models.consent import chain_keys, chain_link, evidence_digest, head_seal

CONTACTS_PER_QUERY = 500


@dataclass
class ChainReport:
    """What one contact's chain looks like now, and what is wrong with it."""

    contact_id: int
    record_count: int = 0
    head_hash: str = GENESIS_HASH
    last_record_at: datetime | None = None
    problems: list[str] = field(default_factory=list)
    #: Record hashes at the positions asked for (1-based), e.g. a checkpoint's count.
    hash_at: dict[int, str] = field(default_factory=dict)


def _matches(expected: str, stored: str) -> bool:
    return hmac.compare_digest(expected.encode(), stored.encode())


def _walk(report: ChainReport, keys: dict[str, Key], live: bool, wanted: set[int]) -> None:
    """Check the records of one contact, one query, and note where the chain ends."""
    contact_id = report.contact_id
    expected_previous = GENESIS_HASH
    # The evidence is read raw and decrypted below, so that a corrupted value is
    # reported against its record instead of failing the whole query.
    records = (
        ConsentRecord.objects.filter(contact_id=contact_id)
        .defer("evidence")
        .annotate(raw_evidence=Cast("evidence", TextField()))
        .order_by("pk")
    )
    evidence_field = ConsentRecord._meta.get_field("evidence")
    setting = app_settings.setting_name("CHAIN_KEYS")
    problems = report.problems
    for record in records.iterator(chunk_size=500):
        report.record_count += 1
        where = f"contact #{contact_id}, consent record #{record.pk}"
        if record.previous_hash != expected_previous:
            problems.append(
                f"{where}: does not follow the previous record — a record before it was "
                "removed, or this one was inserted or altered."
            )
        key = keys.get(record.chain_key_id)
        if not record.chain_key_id:
            problems.append(
                f"{where}: is not keyed — its chain did not verify when the chain key was "
                "introduced, or it was written without the chain writer."
            )
        elif key is None:
            problems.append(
                f"{where}: was linked with chain key {record.chain_key_id!r}, which is not "
                f"in {setting}; add that key back to verify it."
            )
        elif not _matches(
            chain_link(record.previous_hash, record.chained_content(), key), record.record_hash
        ):
            problems.append(
                f"{where}: its content was changed after it was written, or it was written "
                "without the chain key (a forged link)."
            )
        if record.raw_evidence is None:
            # Anonymisation wipes the evidence on purpose; its digest still counts.
            if live:
                problems.append(
                    f"{where}: its evidence was wiped although the contact is not anonymised."
                )
        else:
            try:
                evidence = evidence_field.read_stored(record.raw_evidence, record.row_key)
            except DecryptionError:  # its key is not configured
                evidence = Unreadable("")
            if is_unreadable(evidence):
                problems.append(f"{where}: its evidence was tampered with (it no longer decrypts).")
            elif evidence is None and live:
                problems.append(
                    f"{where}: its evidence was wiped although the contact is not anonymised."
                )
            elif evidence is not None and evidence_digest(evidence) != record.evidence_digest:
                problems.append(f"{where}: its evidence does not match its digest.")
        if report.record_count in wanted:
            report.hash_at[report.record_count] = record.record_hash
        expected_previous = report.head_hash = record.record_hash
        report.last_record_at = record.occurred_at


def _compare_head(
    report: ChainReport,
    head: ConsentChainHead | None,
    keys: dict[str, Key],
    live: bool,
    has_assignments: bool,
) -> None:
    """The chain's end against its sealed head: truncation, removal, a moved head."""
    where, found = f"contact #{report.contact_id}", report.record_count
    problems = report.problems
    if head is None:
        if found:
            problems.append(
                f"{where}: its chain of {found} consent record(s) has no anchored head — the "
                "head row was removed, so records removed from its end cannot be ruled out."
            )
        elif live and has_assignments:
            problems.append(
                f"{where}: holds purpose assignments but has no consent records — its "
                "records (and the head of its chain) were deleted."
            )
        return
    key = keys.get(head.key_id)
    sealed = key is not None and _matches(
        head_seal(report.contact_id, head.record_count, head.head_hash, key), head.seal
    )
    if not sealed:
        problems.append(
            f"{where}: the anchored head of its chain was altered (its seal does not verify "
            f"under the configured chain keys)."
        )
        return
    expected = head.record_count
    if found == 0:
        problems.append(
            f"{where}: all {expected} consent record(s) were deleted (the anchored head of "
            f"its chain says there are {expected})."
        )
    elif found < expected:
        problems.append(
            f"{where}: the last {expected - found} consent record(s) were deleted (the "
            f"anchored head of its chain says {expected}, found {found})."
        )
    elif found != expected or not _matches(head.head_hash, report.head_hash):
        problems.append(
            f"{where}: its chain does not end where its anchored head says ({expected} "
            f"record(s) ending in {head.head_hash[:12]}…, found {found} ending in "
            f"{report.head_hash[:12]}…) — records were inserted or the chain was rewritten."
        )


def verify_chains(
    contact_ids: Iterable[int], *, wanted: dict[int, int] | None = None
) -> Iterator[ChainReport]:
    """One :class:`ChainReport` per contact id (that exists), in the order given.

    ``wanted`` maps a contact id to a record position whose hash the report
    should carry (a checkpoint's count), so a checkpoint can be compared on the
    same pass without holding every hash in memory.
    """
    keys = {key.id: key for key in chain_keys()}
    wanted = wanted or {}
    contact_ids = list(contact_ids)
    for start in range(0, len(contact_ids), CONTACTS_PER_QUERY):
        batch = contact_ids[start : start + CONTACTS_PER_QUERY]
        contacts = {
            pk: (anonymised_at is None, has_assignments)
            for pk, anonymised_at, has_assignments in Contact.objects.filter(pk__in=batch)
            .annotate(
                has_assignments=Exists(PurposeAssignment.objects.filter(contact=OuterRef("pk")))
            )
            .values_list("pk", "anonymised_at", "has_assignments")
        }
        heads = {h.contact_id: h for h in ConsentChainHead.objects.filter(contact_id__in=batch)}
        for contact_id in batch:
            if contact_id not in contacts:
                continue
            live, has_assignments = contacts[contact_id]
            report = ChainReport(contact_id)
            position = wanted.get(contact_id)
            _walk(report, keys, live, {position} if position else set())
            _compare_head(report, heads.get(contact_id), keys, live, has_assignments)
            yield report


def chain_problems(contact_id: int) -> Iterator[str]:
    """What is wrong with the chain of ``contact_id``, one sentence per problem."""
    for report in verify_chains([contact_id]):
        yield from report.problems
