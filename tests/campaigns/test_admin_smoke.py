import pytest
from django.urls import reverse


def test_pages(client, superuser, campaign, subscriber):
    subscriber("a@example.com")
    client.force_login(superuser)
    for url in [
        reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:list"),
        reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:edit", args=[campaign.pk]),
        reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:add"),
        reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:sending", args=[campaign.pk]),
    ]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    r = client.get(reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:sending", args=[campaign.pk]))
    assert "1 recipient" in r.content.decode()
