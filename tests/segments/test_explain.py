"""The purpose rules use an index on PostgreSQL, never a sequential scan of assignments.

20,000 contacts with three assignments each over ten purposes are seeded with
generate_series (tests/helpers/bulk_seed.py) and analysed, so the planner chooses
as it would in production; ``EXPLAIN`` of each segment's count must not read
the assignments table sequentially. (The built-in "no valid purpose" is left out:
it is an anti-join over every valid assignment, where a sequential scan is the
right plan; benchmarks/segments.py compares it with hand-written SQL.)
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.helpers.bulk_seed import analyze, seed_sql
from tests.helpers.segments import group, make_segment, rule
from wagtail_gdpr_mail.models import PurposeAssignment
from wagtail_gdpr_mail.segments.rules import segment_contacts

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def plan_of(segment) -> str:
    sql, params = segment_contacts(segment).order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT count(*) FROM ({sql}) s", params)  # noqa: S608
        return "\n".join(line for (line,) in cursor.fetchall())


def test_purpose_rules_never_scan_assignments_sequentially(make_purpose, contact_list):
    purposes = [make_purpose(f"Purpose {n}") for n in range(10)]
    seed_sql(20_000, [p.pk for p in purposes], contact_list.pk)
    analyze()
    x, y, z = (p.pk for p in purposes[:3])
    segments = {
        "has X": [rule("has_purpose", {"purpose": x})],
        "lacks X": [rule("lacks_purpose", {"purpose": x})],
        "X expires within 30 days": [rule("expires_within", {"purpose": x, "days": 30})],
        "X expired in the last 30 days": [rule("expired_within", {"purpose": x, "days": 30})],
        "has X and in list": [
            rule("has_purpose", {"purpose": x}),
            rule("in_list", {"contact_list": contact_list.pk}),
        ],
        "lacks X, any of (Y, Z)": [
            rule("lacks_purpose", {"purpose": x}),
            group("any", rule("has_purpose", {"purpose": y}), rule("has_purpose", {"purpose": z})),
        ],
    }
    table = PurposeAssignment._meta.db_table
    for label, rules in segments.items():
        plan = plan_of(make_segment(*rules, name=label))
        assert f"Seq Scan on {table}" not in plan, f"{label}:\n{plan}"
