"""A ready campaign for a demo site (``load_demo``) and for tests that want a real one."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.rich_text import RichText

from ..models import Campaign, ContactList, ProcessingPurpose

DEMO_NAME = "Demo newsletter"


def demo_campaign(
    purpose: ProcessingPurpose, contact_list: ContactList, *, name: str = DEMO_NAME
) -> Campaign:
    """The campaign ``name`` for ``purpose`` to ``contact_list`` (made once, then reused)."""
    campaign, created = Campaign.objects.get_or_create(
        name=name,
        defaults={
            "subject": _("News from our shop"),
            "preheader": _("What is new this month"),
            "purpose": purpose,
            "unsubscribe_revokes_purpose": purpose.revocable_by_unsubscribe,
            "body": [
                ("text", RichText(_("<h2>Hello!</h2><p>Here is what is new this month.</p>"))),
                ("button", {"text": _("Visit our shop"), "url": "https://example.com/"}),
                ("footer", None),
            ],
        },
    )
    if created:
        campaign.target_lists.add(contact_list)
        campaign.save_revision(log_action=False)
    return campaign
