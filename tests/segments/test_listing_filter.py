"""A segment is a filter of the contact listing."""

from django.urls import reverse

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import Segment


def test_the_contact_listing_filters_by_segment(admin_client, make_contact, purpose):
    holder, other = make_contact("holder@example.com"), make_contact("other@example.com")
    assign_purpose(holder, purpose, source="admin")
    segment = Segment.objects.get(name__icontains="no valid purpose")
    url = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:list")
    page = admin_client.get(url, {"segment": segment.pk}).content.decode()
    assert other.email in page and holder.email not in page
    bad = admin_client.get(url, {"segment": "abc"})
    assert bad.status_code == 200 and other.email not in bad.content.decode()
