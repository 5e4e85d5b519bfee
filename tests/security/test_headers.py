"""The app's public pages answer with a Content-Security-Policy without inline scripts,
Referrer-Policy, X-Content-Type-Options and Permissions-Policy; their JavaScript and
styles still work under that policy in Chromium."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import get_resolver, reverse

from wagtail_gdpr_mail import urls as app_urls
from wagtail_gdpr_mail.headers import NONCE, build_policy, public_headers

PUBLIC_GETS = [
    ("wagtail_gdpr_mail:my_data", {}),
    ("wagtail_gdpr_mail:confirm", {"token": "x" * 43}),
    ("wagtail_gdpr_mail:renew", {"token": "x" * 43}),
    ("wagtail_gdpr_mail:object", {"token": "x" * 43}),
    ("wagtail_gdpr_mail:my_data_open", {"token": "x" * 43}),
    ("wagtail_gdpr_mail:my_data_manage", {}),
]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_secure(response) -> dict[str, list[str]]:
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    return policy


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), PUBLIC_GETS)
def test_every_public_page_carries_the_headers(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    policy = assert_secure(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_a_post_to_a_missing_form_carries_the_headers(client):
    response = client.post(reverse("wagtail_gdpr_mail:subscribe"), {"page_id": "999"})
    assert response.status_code == 404
    assert_secure(response)


def test_every_url_of_the_app_is_wrapped():
    # A view added to urls.py later gets the headers too: the list is wrapped as a whole.
    for pattern in app_urls.urlpatterns:
        assert pattern.callback.__wrapped__ is not None, pattern.name
    assert get_resolver("tests.test_project.urls") is not None


@pytest.mark.django_db
def test_a_form_with_errors_gets_only_the_script_directives_on_the_sites_page(
    client, subscription_page, no_fill_delay
):
    from tests.helpers.subscribing import make_visitor, subscribe

    sp = subscription_page
    response = subscribe(make_visitor(), sp.url, sp.form_id, email="not an address")
    assert response.status_code == 400
    policy = assert_secure(response)
    # The site's page keeps its own styles and images: only scripts are restricted.
    assert set(policy) == {"script-src", "object-src", "base-uri"}


def test_a_header_the_view_set_itself_is_kept(rf):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = public_headers(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_nonce_is_fresh_per_response_and_readable_by_templates(rf):
    from django.http import HttpResponse

    seen = []

    def view(request):
        seen.append(request.gdpr_mail_csp_nonce)
        return HttpResponse("ok")

    with override_settings(
        WAGTAIL_GDPR_MAIL_CONTENT_SECURITY_POLICY={"script-src": ["'self'", NONCE]}
    ):
        first = public_headers(view)(rf.get("/"))
        second = public_headers(view)(rf.get("/"))
    assert second["Content-Security-Policy"] == f"script-src 'self' 'nonce-{seen[1]}'"
    assert first["Content-Security-Policy"] == f"script-src 'self' 'nonce-{seen[0]}'"
    assert seen[0] != seen[1] and len(seen[0]) >= 22


@pytest.mark.django_db
def test_the_policy_can_be_left_to_the_site(client):
    with override_settings(WAGTAIL_GDPR_MAIL_CONTENT_SECURITY_POLICY=None):
        response = client.get(reverse("wagtail_gdpr_mail:my_data"))
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_build_policy():
    assert build_policy({"img-src": ["'self'", "data:"], "upgrade-insecure-requests": []}, "n") == (
        "img-src 'self' data:; upgrade-insecure-requests"
    )


# --- in Chromium -----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_pages_scripts_and_styles_work_under_the_policy(
    page, live_server, subscription_page, no_fill_delay
):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}{reverse('wagtail_gdpr_mail:my_data')}")
    # The stylesheet loads under default-src 'self' (no inline <style> any more).
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "640px"

    page.goto(f"{live_server.url}/")
    form = page.locator("[data-gdpr-mail-form] form")
    form.locator("input[name=email]").fill("not an address")
    form.locator("button[type=submit]").click()
    summary = page.locator("[data-gdpr-mail-errors]")
    summary.wait_for()
    # form-errors.js ran: the focus is on the error summary.
    page.wait_for_function("document.activeElement.hasAttribute('data-gdpr-mail-errors')")
    assert violations == []
