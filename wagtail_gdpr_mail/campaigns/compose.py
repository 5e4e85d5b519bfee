"""A campaign's mail, rendered once and filled in per recipient.

The body is rendered once per send with a stand-in for the recipient's token; the
token then goes into the links by plain string replacement (one message per
recipient) or becomes an ESP merge field (Anymail batch sending). Every message
carries ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` (RFC 8058).

A campaign whose purpose rests on consent or legitimate interest must hold a footer
block: the footer always renders the unsubscribe and preference links; without one
the campaign is refused (:func:`unsubscribe_problems`, :class:`CampaignNotSendable`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from html import unescape

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext
from wagtail.models import Site

from ..exceptions import GdprMailError
from ..legal.controller import get_controller
from ..mail import default_site, get_adapter, link_url
from ..models import Campaign, LegalBasis
from . import tracking
from .preferences import preference_url

#: Stands for the recipient's token while the mail is rendered (URL-safe, never a token:
#: real tokens are base64 of 32 random bytes and hold no run of underscores like this).
TOKEN_SLOT = "__gdpr_mail_token__"  # noqa: S105 - a placeholder, not a secret
#: The name of the merge field that carries the token in a batch.
TOKEN_FIELD = "gdpr_token"  # noqa: S105 - a field name
MAIL_TEMPLATE = "wagtail_gdpr_mail/campaigns/mail.html"
#: Legal bases on which the recipient may say no at any time: the mail must say how.
NEEDS_UNSUBSCRIBE = (LegalBasis.Code.CONSENT, LegalBasis.Code.LEGITIMATE_INTEREST)


class CampaignNotSendable(GdprMailError, ValidationError):
    """The campaign cannot be sent as it is (the message says why)."""


def unsubscribe_problems(campaign: Campaign) -> list[str]:
    """Why the campaign may not be sent for lack of an unsubscribe link (empty: it may)."""
    if campaign.purpose.legal_basis.code not in NEEDS_UNSUBSCRIBE:
        return []
    footers = sum(1 for block in campaign.body if block.block_type == "footer")
    if footers == 0:
        return [
            gettext(
                "A campaign for a purpose based on consent or legitimate interest must "
                "end with a footer block: it carries the unsubscribe link."
            )
        ]
    return []


def unsubscribe_url(token: str, site: Site | None = None) -> str:
    base = site.root_url + "/" if site is not None else ""
    return link_url(base, "wagtail_gdpr_mail:campaign_unsubscribe", token)


@dataclass(frozen=True)
class CampaignMail:
    """One campaign's mail with :data:`TOKEN_SLOT` where each recipient's token goes."""

    subject: str
    from_email: str
    reply_to: list[str]
    html: str
    #: The HTML for recipients who hold the tracking purpose (pixel, click redirects).
    tracked_html: str
    text: str
    unsubscribe_url: str
    domain: str | None
    campaign_id: int = 0

    def html_for(self, tracked: bool) -> str:
        return self.tracked_html if tracked else self.html

    def headers(self, token: str) -> dict[str, str]:
        """The RFC 8058 headers of one recipient."""
        return {
            "List-Unsubscribe": f"<{self.unsubscribe_url.replace(TOKEN_SLOT, token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def message_id(self, delivery_pk: int) -> str:
        """The Message-ID of one delivery: the same for every attempt at it, so a mailbox
        that gets the mail twice (the window in docs/campaigns.md) can tell."""
        return f"<campaign-{self.campaign_id}.delivery-{delivery_pk}@{self.domain or 'localhost'}>"


def _render(campaign: Campaign, site: Site | None, token: str, request=None) -> str:
    controller = get_controller(site)
    context = {
        "campaign": campaign,
        "subject": campaign.subject,
        "preheader": campaign.preheader,
        "controller": controller,
        "privacy_policy_url": getattr(controller, "privacy_policy_link", "") or "",
        "unsubscribe_url": unsubscribe_url(token, site),
        "preferences_url": preference_url(token),
        "language": translation.get_language() or "en",
    }
    return render_to_string(MAIL_TEMPLATE, context, request=request)


def html_to_text(html: str) -> str:
    """A plain-text part: links kept as "text (url)", tags dropped, blank lines squeezed."""
    body = re.sub(r"(?is)<(head|style|script)\b.*?</\1>", "", html)
    body = re.sub(
        r'(?is)<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>',
        lambda m: f"{m.group(2)} ({m.group(1)})",
        body,
    )
    body = re.sub(r"(?i)<br\s*/?>|</(p|div|h[1-6]|li|tr)>", "\n", body)
    text = unescape(strip_tags(body))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def compose(campaign: Campaign, site: Site | None = None) -> CampaignMail:
    """Render the campaign once; raises :class:`CampaignNotSendable` without its link."""
    problems = unsubscribe_problems(campaign)
    if problems:
        raise CampaignNotSendable(problems[0])
    site = site or default_site()
    html = _render(campaign, site, TOKEN_SLOT)
    link = unsubscribe_url(TOKEN_SLOT, site)
    if campaign.purpose.legal_basis.code in NEEDS_UNSUBSCRIBE and link not in html:
        raise CampaignNotSendable(gettext("The rendered mail lacks the unsubscribe link."))
    adapter = get_adapter()
    sender = adapter.from_email(site)
    if campaign.from_email:
        sender = str(Address(display_name=campaign.from_name, addr_spec=campaign.from_email))
    return CampaignMail(
        subject=campaign.subject,
        from_email=sender,
        reply_to=adapter.reply_to(site),
        html=tracking.instrument_html(html, token=TOKEN_SLOT, tracked=False),
        tracked_html=tracking.instrument_html(html, token=TOKEN_SLOT, tracked=True),
        text=html_to_text(html),
        unsubscribe_url=link,
        domain=site.hostname if site is not None and site.hostname else None,
        campaign_id=campaign.pk,
    )
