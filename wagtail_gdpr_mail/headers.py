"""Security headers on the public pages the app serves (subscribe, confirm, my data, …).

One mechanism for Django 5.2 and 6.x: :func:`public_headers` wraps a view and
sets ``Content-Security-Policy``, ``Referrer-Policy``, ``X-Content-Type-Options``
and ``Permissions-Policy`` on its response unless the response already has them.
Django 6's own CSP middleware never overwrites a header a view has set, so a site
with ``SECURE_CSP`` keeps its policy everywhere else and ours on these pages.

The app's pages hold no inline script or style (``static/wagtail_gdpr_mail/``),
so the default policy needs no ``'unsafe-inline'``. A page of the site that the
subscribe view renders again (a form with errors) is the site's page, with its own
styles and images: it gets only the script directives of the policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from .conf import app_settings

#: In a policy's source list: a fresh nonce per response (``'nonce-…'``); templates
#: read it as ``request.gdpr_mail_csp_nonce``.
NONCE = "'nonce'"

#: The directives that govern scripts (what a site's own page gets from the policy).
SCRIPT_DIRECTIVES = ("script-src", "object-src", "base-uri")

#: Marks a response that renders a page of the site (not one of the app's templates).
SITE_PAGE_ATTR = "_gdpr_mail_site_page"

NONCE_ATTR = "gdpr_mail_csp_nonce"


def build_policy(policy: Mapping[str, Iterable[str]], nonce: str) -> str:
    """``{"script-src": ["'self'", NONCE]}`` -> ``"script-src 'self' 'nonce-…'"``."""
    parts = []
    for directive, sources in policy.items():
        values = [f"'nonce-{nonce}'" if source == NONCE else source for source in sources]
        parts.append(" ".join([directive, *values]).strip())
    return "; ".join(parts)


def mark_site_page(response: HttpResponse) -> HttpResponse:
    """Say that ``response`` is a page of the site, so only the script directives apply."""
    setattr(response, SITE_PAGE_ATTR, True)
    return response


def security_headers(request: HttpRequest, response: HttpResponse) -> dict[str, str]:
    """The headers for one response of a public view (the nonce comes from ``request``)."""
    headers = dict(app_settings.SECURITY_HEADERS)
    policy = app_settings.CONTENT_SECURITY_POLICY
    if policy:
        if getattr(response, SITE_PAGE_ATTR, False):
            policy = {k: v for k, v in policy.items() if k in SCRIPT_DIRECTIVES}
        nonce = getattr(request, NONCE_ATTR, "")
        headers["Content-Security-Policy"] = build_policy(policy, nonce)
    return headers


def public_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a public view: its responses carry the app's security headers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        setattr(request, NONCE_ATTR, secrets.token_urlsafe(16))
        response = view(request, *args, **kwargs)
        for name, value in security_headers(request, response).items():
            if value and name not in response:
                response[name] = value
        return response

    return wrapper


def with_public_headers(patterns: Iterable[URLPattern]) -> list[URLPattern]:
    """``urlpatterns`` whose every view is wrapped in :func:`public_headers`."""
    return [
        URLPattern(p.pattern, public_headers(p.callback), p.default_args, p.name) for p in patterns
    ]
