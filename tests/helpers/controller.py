"""The controller and DPO site setting, and a sample processing agreement, as tests need them."""

from __future__ import annotations

from typing import Any

from wagtail_gdpr_mail.legal.agreements import new_agreement_initial
from wagtail_gdpr_mail.legal.controller import get_controller
from wagtail_gdpr_mail.models import DataProcessingAgreement

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


def make_agreement(**fields: Any):
    """A data processing agreement with Example Mail Inc., saved with a revision."""
    agreement = DataProcessingAgreement.objects.create(
        **new_agreement_initial()
        | {
            "title": "DPA with Example Mail Inc.",
            "processor_name": "Example Mail Inc.",
            "subject_matter": "Sending e-mail.",
            "duration": "For the term of the contract.",
            "nature_of_processing": "Storing and sending.",
            "purpose_of_processing": "Delivering newsletters.",
            "personal_data_categories": "E-mail address.",
            "data_subject_categories": "Subscribers.",
        }
        | fields
    )
    agreement.save_revision(log_action=False)
    return agreement
