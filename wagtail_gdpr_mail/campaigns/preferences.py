"""The preference centre reached from every campaign mail (service)."""

from __future__ import annotations

from django.urls import NoReverseMatch

from ..mail import link_url


def preference_url(token: str) -> str:
    """The absolute URL of the preference centre for a delivery's ``token``."""
    try:
        return link_url("", "wagtail_gdpr_mail:preferences", token)
    except NoReverseMatch:  # the preference centre is not installed yet
        return ""
