"""The legal package's own pieces: countries from django-countries, the old import
paths that migrations and page models name, and the controller helpers."""

from __future__ import annotations

import os
import subprocess
import sys

from django.utils import translation
from wagtail.models import Page, Site

from wagtail_gdpr_mail.legal.controller import controller_details, controller_name, get_controller
from wagtail_gdpr_mail.legal.countries import country_choices, country_name

# --- Countries --------------------------------------------------------------------------


def test_country_names_come_from_django_countries_in_the_active_language():
    assert country_name("CZ") == "Czechia"
    assert country_name("cz") == "Czechia"
    assert country_name("XX") == "XX"
    with translation.override("cs"):
        assert country_name("CZ") == "Česko"
        assert country_name("DE") == "Německo"
        assert country_name("US") == "Spojené státy americké"


def test_country_choices_are_iso_codes_sorted_by_name_in_the_active_language():
    choices = country_choices()
    codes = [code for code, _name in choices]
    assert len(codes) == len(set(codes)) == 249
    assert all(isinstance(name, str) and len(code) == 2 for code, name in choices)
    assert ("CZ", "Czechia") in choices
    with translation.override("cs"):
        names = [name for _code, name in country_choices()]
    assert "Česko" in names
    # Accents sort with their base letter: "Česko" among the C's, before "Dánsko".
    assert names.index("Brazílie") < names.index("Česko") < names.index("Dánsko")


def test_old_import_paths_named_by_migrations_and_page_models_still_work():
    import wagtail_gdpr_mail.legal
    from wagtail_gdpr_mail import legal_blocks
    from wagtail_gdpr_mail.legal import blocks, countries

    # Migration 0003_legal names wagtail_gdpr_mail.legal.country_choices.
    assert wagtail_gdpr_mail.legal.country_choices is countries.country_choices
    assert legal_blocks.SubprocessorListBlock is blocks.SubprocessorListBlock


def test_the_legal_package_imports_no_models():
    """The models import country choices from it: importing models back would be a circle."""
    code = (
        "import sys, wagtail_gdpr_mail.legal; "
        "print(sorted(m for m in sys.modules if m.startswith('wagtail_gdpr_mail')))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    loaded = eval(result.stdout)  # noqa: S307 - our own subprocess printing a list
    assert "wagtail_gdpr_mail.models" not in loaded
    assert not [module for module in loaded if module.startswith("wagtail_gdpr_mail.models.")]


# --- Controller -------------------------------------------------------------------------


def test_privacy_policy_link_uses_the_url_while_the_page_is_not_live(controller):
    root = Site.objects.get(is_default_site=True).root_page
    draft = root.add_child(instance=Page(title="Privacy", slug="privacy", live=False))
    controller.privacy_policy_page = draft
    controller.privacy_policy_url = "https://example.com/privacy"
    assert controller.privacy_policy_link == "https://example.com/privacy"
    controller.privacy_policy_url = ""
    assert controller.privacy_policy_link == ""


def test_controller_details_are_the_consent_receipt_fields(controller):
    controller.dpo_phone = "+420 123 456 789"
    controller.privacy_policy_url = "https://example.com/privacy"
    controller.save()
    assert controller_details() == {
        "piiController": "Demo Shop s.r.o.",
        "contact": "Jan Dvořák",
        # Kantara CR v1.1 wants an object; the settings hold free text, kept on one line.
        "address": {"streetAddress": "Náměstí Svobody 1, 602 00 Brno"},
        "email": "privacy@example.com",
        "phone": "+420 123 456 789",
        "companyId": "12345678",
        "dpoEmail": "dpo@example.com",
        "policyUrl": "https://example.com/privacy",
    }


def test_controller_details_without_settings_are_empty_strings(db):
    Site.objects.all().delete()
    details = controller_details()
    assert set(details) == {
        "piiController",
        "contact",
        "address",
        "email",
        "phone",
        "companyId",
        "dpoEmail",
        "policyUrl",
    }
    assert details.pop("address") == {}
    assert set(details.values()) == {""}


def test_controller_name_is_the_settings_name_else_the_operator(db):
    site = Site.objects.get(is_default_site=True)
    assert controller_name() == "the site's operator"
    with translation.override("cs"):
        assert controller_name() != "the site's operator"
    settings = get_controller(site)
    settings.controller_name = "Demo Shop s.r.o."
    settings.save()
    assert controller_name() == "Demo Shop s.r.o."
    assert controller_name(site.root_page) == "Demo Shop s.r.o."
