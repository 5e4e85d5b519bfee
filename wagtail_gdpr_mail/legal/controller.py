"""Who the controller is: the controller and DPO details of a site, as other code needs them.

The details are the :class:`~wagtail_gdpr_mail.models.ControllerSettings` site
setting; code reads them through :func:`get_controller` and uses them as defaults
(form info text, mails, exports, receipts). The link to the privacy policy has one
rule, :attr:`ControllerSettings.privacy_policy_link`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from wagtail.models import Site

from .. import config_cache
from ..models import ControllerSettings, RecordSettings

if TYPE_CHECKING:
    from django.http import HttpRequest
    from wagtail.models import Page


def get_controller(
    site: Site | None = None, *, request: HttpRequest | None = None
) -> ControllerSettings:
    """The controller and DPO details of ``site`` (default: the request's, else the default site).

    Never fails: without any site it returns empty, unsaved settings. The instance for a
    site is shared by the process (:mod:`~wagtail_gdpr_mail.config_cache`): read it; to
    change the settings, load ``ControllerSettings.for_site(site)`` and save that.
    """
    if site is None and request is not None:
        return ControllerSettings.for_request(request)
    if site is None:
        site = default_site()
    if site is None:
        return ControllerSettings()
    # Every mail reads them (sender, reply-to, name): kept per process (config_cache),
    # shared between threads, so read-only.
    return config_cache.cached(("controller", site.pk), lambda: ControllerSettings.for_site(site))


def default_site() -> Site | None:
    """The default site, else the first one; None without any."""
    return config_cache.cached(
        "default-site",
        lambda: (
            Site.objects.filter(is_default_site=True).first() or Site.objects.order_by("pk").first()
        ),
    )


def site_of(page: Page) -> Site | None:
    """The Wagtail site ``page`` belongs to (``Page.get_site``, kept per process)."""
    return config_cache.cached(("site-of-page", page.pk), page.get_site)


def get_record_settings(site: Site | None = None) -> RecordSettings:
    """Joint controllers and proof retention of ``site`` (default site); never fails."""
    if site is None:
        site = default_site()
    if site is None:
        return RecordSettings()
    return RecordSettings.for_site(site)


def controller_name(page: Page | None = None) -> str:
    """The controller's name for the site of ``page`` (default site without one), or a
    neutral "the site's operator" while the settings are not filled in."""
    site = site_of(page) if page is not None else None
    return get_controller(site).controller_name or gettext("the site's operator")


def postal_address(text: str) -> dict[str, str]:
    """The controller's address as the object a Kantara receipt requires (schema.org
    ``PostalAddress`` names); the settings hold it as free text, kept as one line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return {"streetAddress": ", ".join(lines)} if lines else {}


def controller_details(site: Site | None = None) -> dict[str, Any]:
    """The controller in the keys of a consent receipt (Kantara Consent Receipt v1.1)."""
    controller = get_controller(site)
    return {
        "piiController": controller.controller_name,
        "contact": controller.dpo_name,
        "address": postal_address(controller.controller_address),
        "email": controller.controller_email,
        "phone": controller.dpo_phone,
        "companyId": controller.controller_company_id,
        "dpoEmail": controller.dpo_email,
        "policyUrl": controller.privacy_policy_link,
    }
