"""The admin finds a contact by address without the address ever being in a URL (ASVS 8.3.1)."""

from __future__ import annotations

from django.contrib.sessions.models import Session

from tests.helpers.users import make_user

LISTING = "/admin/snippets/wagtail_gdpr_mail/contact/"
SEARCH = LISTING + "search/"


def test_search_by_address_posts_and_redirects_to_an_opaque_id(admin_client, make_contact):
    make_contact("jana@example.com")
    make_contact("petr@example.com")

    listing = admin_client.get(LISTING).content.decode()
    assert 'method="post"' in listing and 'action="' + SEARCH + '"' in listing
    assert 'name="q"' not in listing  # no GET search box that would put it in the URL

    response = admin_client.post(SEARCH, {"email": "Jana@Example.com"})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(LISTING + "?search=")
    assert "jana" not in location.lower() and "example" not in location and "%40" not in location

    found = admin_client.get(location).content.decode()
    assert "jana@example.com" in found and "petr@example.com" not in found
    # The session keeps the blind index, not the address.
    (session,) = Session.objects.all()
    assert "jana@example.com" not in str(session.get_decoded()).lower()


def test_an_address_in_the_query_string_filters_nothing(admin_client, make_contact):
    make_contact("jana@example.com")
    make_contact("petr@example.com")
    html = admin_client.get(LISTING, {"q": "jana@example.com"}).content.decode()
    assert "petr@example.com" in html


def test_an_unknown_search_id_finds_nobody(admin_client, make_contact):
    make_contact("jana@example.com")
    assert "jana@example.com" not in admin_client.get(LISTING, {"search": "x"}).content.decode()


def test_searching_needs_the_permission_to_see_contacts(client, make_contact):
    client.force_login(make_user("nobody", []))
    assert client.post(SEARCH, {"email": "jana@example.com"}).status_code == 403
    assert client.get(SEARCH).status_code == 405
