"""Many contacts, assignments and memberships at once with PostgreSQL's generate_series.

Shared by the EXPLAIN test of segments and the segment / bulk-assign benchmarks
(which put the repository root on ``sys.path``). The rows are deterministic: a
contact's number ``i`` decides its purposes, validity, list and join date. The
personal columns hold no ciphertext (empty e-mail); only counts are read.
"""

from __future__ import annotations

from django.db import connection

from wagtail_gdpr_mail.models import Contact, ListMembership, PurposeAssignment

# Pseudo-random but repeatable: (i * a) % m spreads consecutive numbers.
SEED_CONTACTS = """
INSERT INTO {contact} (row_key, email, email_index, first_name, last_name, custom_fields,
                       source, created_at, updated_at, anonymised_at)
SELECT gen_random_uuid(), NULL, NULL, '', '', '',
       (ARRAY['form','admin','import','api','reconsent'])[1 + i %% 5],
       now() - make_interval(mins => ((i::bigint * 7919) %% 1500000)::int), now(), NULL
FROM generate_series(1, %(count)s) AS i
"""

# Three distinct purposes per contact out of the given ones: about 12 % lapsed in the
# last 100 days, about 4 % lapsing within 30 days, 5 % revoked.
SEED_ASSIGNMENTS = """
INSERT INTO {assignment} (contact_id, purpose_id, valid_from, valid_until, source,
                          created_at, revoked_at, revocation_reason, editor_reason)
SELECT c.id, (%(purposes)s::bigint[])[1 + (c.id * 7 + k * 3) %% %(n)s],
       now() - interval '400 days',
       now() + make_interval(days => (((c.id * 31 + k * 17) %% 800) - 100)::int),
       'form', now() - interval '400 days',
       CASE WHEN (c.id + k) %% 20 = 0 THEN now() - interval '10 days' END,
       CASE WHEN (c.id + k) %% 20 = 0 THEN 'admin' ELSE '' END, ''
FROM {contact} c CROSS JOIN generate_series(0, 2) AS k
WHERE c.id > %(after)s
"""

# About 30 % of the contacts in the list, joined some days after they were created.
SEED_MEMBERSHIPS = """
INSERT INTO {membership} (contact_id, contact_list_id, added_at)
SELECT c.id, %(list_id)s, c.created_at + make_interval(days => (c.id %% 40)::int)
FROM {contact} c
WHERE c.id > %(after)s AND (c.id * 13) %% 10 < 3
"""


def seed_sql(count: int, purpose_ids: list[int], list_id: int) -> None:
    """Add ``count`` contacts with ~3 assignments each over ``purpose_ids`` and ~30 %
    of them in the list ``list_id``, in three INSERT … SELECT statements."""
    tables = {
        "contact": Contact._meta.db_table,
        "assignment": PurposeAssignment._meta.db_table,
        "membership": ListMembership._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {tables['contact']}")
        after = cursor.fetchone()[0]
        cursor.execute(SEED_CONTACTS.format(**tables), {"count": count})
        params = {"after": after, "purposes": purpose_ids, "n": len(purpose_ids)}
        cursor.execute(SEED_ASSIGNMENTS.format(**tables), params)
        cursor.execute(SEED_MEMBERSHIPS.format(**tables), {"after": after, "list_id": list_id})


def analyze() -> None:
    """Fresh planner statistics and visibility map (outside a transaction only)."""
    with connection.cursor() as cursor:
        for model in (Contact, PurposeAssignment, ListMembership):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
