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
    r = client.get(
        reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:sending", args=[campaign.pk])
    )
    assert "1 recipient" in r.content.decode()


def test_the_preview_shows_the_mail_with_its_footer(rf, superuser, campaign):
    from tests.helpers.controller import configure_controller

    configure_controller(controller_name="Demo Shop s.r.o.")
    request = rf.get("/")
    request.user = superuser
    response = campaign.serve_preview(request, campaign.default_preview_mode).render()
    html = response.content.decode()
    assert "Here is what is new this month." in html
    assert "Demo Shop s.r.o." in html and "#unsubscribe" in html
