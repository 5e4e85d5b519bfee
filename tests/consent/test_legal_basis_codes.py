"""The legal-basis codes that every subscription snapshots come from a cached map that
follows every change of a legal basis."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail_gdpr_mail.models import LegalBasis


def test_codes_are_read_once_and_follow_a_changed_basis(db):
    consent = LegalBasis.objects.get(code="consent")
    LegalBasis.objects.codes()  # warm
    with CaptureQueriesContext(connection) as queries:
        assert LegalBasis.objects.codes()[consent.pk] == "consent"
    assert len(queries) == 0

    consent.code = LegalBasis.Code.LEGITIMATE_INTEREST
    LegalBasis.objects.filter(code=LegalBasis.Code.LEGITIMATE_INTEREST).delete()
    consent.save()
    assert LegalBasis.objects.codes()[consent.pk] == "legitimate_interest"
    assert "legitimate_interest" in LegalBasis.objects.codes().values()


def test_a_deleted_basis_leaves_the_map(db):
    unused = LegalBasis.objects.get(code="vital_interest")
    assert unused.pk in LegalBasis.objects.codes()
    unused.delete()
    assert unused.pk not in LegalBasis.objects.codes()
