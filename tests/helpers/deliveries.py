"""Campaign deliveries as the fan-out leaves them: a sent mail with its recipient's token."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from wagtail_gdpr_mail.models import Campaign, Contact, Delivery, ProcessingPurpose
from wagtail_gdpr_mail.tokens import hash_token, new_token

from .html_forms import parse_forms


def make_campaign(purpose: ProcessingPurpose, name: str = "Spring news", **kwargs) -> Campaign:
    return Campaign.objects.create(
        name=name,
        subject=kwargs.pop("subject", "What is new this spring"),
        purpose=purpose,
        status=kwargs.pop("status", Campaign.Status.SENT),
        started_at=kwargs.pop("started_at", timezone.now()),
        **kwargs,
    )


def make_delivery(
    campaign: Campaign,
    contact: Contact | None,
    *,
    tracked: bool = False,
    sent_days_ago: float = 0,
    message_id: str | None = None,
) -> tuple[Delivery, str]:
    """A sent delivery and the raw token its mail's links carry."""
    token = new_token()
    delivery = Delivery.objects.create(
        campaign=campaign,
        contact=contact,
        token_hash=hash_token(token),
        tracked=tracked,
        status=Delivery.Status.SENT,
        sent_at=timezone.now() - timedelta(days=sent_days_ago),
        message_id=message_id or f"<{new_token()[:16]}@example.com>",
    )
    return delivery, token


def preferences_path(token: str) -> str:
    return f"/gdpr-mail/preferences/{token}/"


def post_button(client: Client, page_html: str, *needles: str) -> object:
    """Press the one button whose form holds every one of ``needles`` (a data attribute,
    a purpose's name), like a browser: that form, with its CSRF token."""
    forms = parse_forms(page_html)
    chunks = [chunk.split("</form>")[0] for chunk in page_html.split("<form")[1:]]
    (form,) = [
        f
        for f, chunk in zip(forms, chunks, strict=True)
        if f.method == "post" and all(n in chunk for n in needles)
    ]
    return client.post(form.action, dict(form.values))


TRACKING_PURPOSE = "Open and click tracking"


def tracking_purpose(make_purpose, settings) -> ProcessingPurpose:
    """The site's tracking purpose (on consent), named by the setting."""
    purpose = make_purpose(
        TRACKING_PURPOSE, visitor_text="We may see whether you opened our mail and clicked."
    )
    settings.WAGTAIL_GDPR_MAIL_TRACKING_PURPOSE = TRACKING_PURPOSE
    return purpose
