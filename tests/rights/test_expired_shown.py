"""A lapsed purpose reads "Expired" on the visitor's own page, before any task runs."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.helpers.rights import MANAGE, open_session, visitor_client
from wagtail_gdpr_mail.models import ConsentRecord, PurposeAssignment


def test_the_self_service_page_shows_lapsed_purposes_as_expired(person):
    PurposeAssignment.objects.filter(purpose__name="Newsletter").update(
        valid_until=timezone.now() - timedelta(minutes=1)
    )
    client = visitor_client()
    open_session(client)
    body = client.get(MANAGE).content.decode()
    assert 'data-purpose="Newsletter" data-status="expired"' in body
    assert "Expired" in body
    assert not ConsentRecord.objects.filter(event=ConsentRecord.Event.EXPIRED).exists()
