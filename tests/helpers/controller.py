"""The controller and DPO site setting, filled in as a test needs it."""

from __future__ import annotations

from typing import Any

from wagtail_gdpr_mail.legal.controller import get_controller

DEMO_SHOP = {
    "controller_name": "Demo Shop s.r.o.",
    "controller_address": "Náměstí Svobody 1\n602 00 Brno",
    "controller_company_id": "12345678",
    "controller_email": "privacy@example.com",
    "dpo_name": "Jan Dvořák",
    "dpo_email": "dpo@example.com",
}


def configure_controller(**fields: Any):
    """Save ``fields`` on the default site's controller settings and return them."""
    settings = get_controller()
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings
