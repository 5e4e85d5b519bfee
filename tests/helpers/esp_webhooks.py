"""ESP tracking webhooks as the ESPs post them, through Anymail's own webhook views.

Payload shapes follow the ESPs' documentation (and Anymail's own tests): SendGrid posts
a JSON list of events with custom args (our metadata) merged in; Postmark posts one
JSON object per event with ``Metadata``; Mailgun posts one signed JSON object with
``event-data`` and ``user-variables`` (set ``MAILGUN_SIGNING_KEY`` with
:func:`mailgun_settings`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.conf import settings
from django.test import Client

from wagtail_gdpr_mail.models.campaigns import DELIVERY_METADATA_KEY

SENDGRID = "/anymail/sendgrid/tracking/"
POSTMARK = "/anymail/postmark/tracking/"
WHEN = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)

#: SendGrid's event name of each Anymail event type.
SENDGRID_EVENTS = {
    "queued": "processed",
    "delivered": "delivered",
    "deferred": "deferred",
    "bounced": "bounce",
    "complained": "spamreport",
    "unsubscribed": "unsubscribe",
    "opened": "open",
    "clicked": "click",
}


def _auth() -> str:
    pair = f"{settings.ANYMAIL_WEBHOOK_USER}:{settings.ANYMAIL_WEBHOOK_PASSWORD}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def sendgrid(
    event: str, email: str, *, delivery=None, message_id: str = "", seconds: int = 0, n: int = 1
) -> str:
    payload = {
        "email": email,
        "timestamp": int(WHEN.timestamp()) + seconds,
        "event": SENDGRID_EVENTS[event],
        "sg_event_id": f"sg-{event}-{n}",
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
        "smtp-id": message_id or "<14c5d75ce93.dfd.64b469@ismtpd-555>",
        "category": ["gdpr-mail-campaign"],
    }
    if delivery is not None:
        payload[DELIVERY_METADATA_KEY] = str(delivery.pk)
    if event == "bounced":
        payload |= {"reason": "550 5.1.1 The email account does not exist.", "type": "bounce"}
    if event == "deferred":
        payload |= {"response": "400 try again later", "attempt": "1"}
    if event == "clicked":
        payload |= {"url": "https://example.com/offer", "useragent": "Mozilla/5.0"}
    if event == "opened":
        payload |= {"useragent": "Mozilla/5.0"}
    return json.dumps([payload])


#: Postmark's RecordType (and bounce Type) of each Anymail event type.
POSTMARK_EVENTS = {
    "delivered": ("Delivery", None),
    "bounced": ("Bounce", "HardBounce"),
    "deferred": ("Bounce", "Transient"),
    "complained": ("SpamComplaint", "SpamComplaint"),
    "unsubscribed": ("SubscriptionChange", None),
    "opened": ("Open", None),
    "clicked": ("Click", None),
}


def postmark(
    event: str, email: str, *, delivery=None, message_id: str = "", seconds: int = 0, n: int = 1
) -> str:
    record_type, kind = POSTMARK_EVENTS[event]
    at = datetime.fromtimestamp(WHEN.timestamp() + seconds, tz=UTC).isoformat()
    payload = {
        "RecordType": record_type,
        "MessageID": message_id or "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {DELIVERY_METADATA_KEY: str(delivery.pk)} if delivery is not None else {},
        "Tag": "gdpr-mail-campaign",
    }
    if record_type == "Delivery":
        payload |= {"Recipient": email, "DeliveredAt": at, "Details": "smtp;250 2.0.0 OK"}
    elif record_type in ("Bounce", "SpamComplaint"):
        payload |= {"ID": 4323372036854775807 + n, "Type": kind, "Email": email, "BouncedAt": at}
    elif record_type == "SubscriptionChange":
        payload |= {
            "Recipient": email,
            "ChangedAt": at,
            "SuppressSending": True,
            "SuppressionReason": "ManualSuppression",
        }
    else:  # Open, Click
        payload |= {"Recipient": email, "ReceivedAt": at, "UserAgent": "Mozilla/5.0"}
        if record_type == "Click":
            payload["OriginalLink"] = "https://example.com/offer"
    return json.dumps(payload)


MAILGUN = "/anymail/mailgun/tracking/"
#: A test-only signing key (Anymail checks Mailgun's HMAC signature with it).
MAILGUN_SIGNING_KEY = "test-only-mailgun-signing-key"  # noqa: S105


def mailgun_settings(settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}


#: Mailgun's event (and severity) of each Anymail event type.
MAILGUN_EVENTS = {
    "delivered": ("delivered", None),
    "bounced": ("failed", "permanent"),
    "deferred": ("failed", "temporary"),
    "complained": ("complained", None),
    "unsubscribed": ("unsubscribed", None),
    "opened": ("opened", None),
    "clicked": ("clicked", None),
}


def mailgun(
    event: str, email: str, *, delivery=None, message_id: str = "", seconds: int = 0, n: int = 1
) -> str:
    name, severity = MAILGUN_EVENTS[event]
    timestamp, token = str(int(WHEN.timestamp()) + seconds), f"mailgun-token-{event}-{n}"
    signature = hmac.new(
        MAILGUN_SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
    ).hexdigest()
    data = {
        "event": name,
        "timestamp": float(timestamp),
        "id": f"mg-{event}-{n}",
        "recipient": email,
        "tags": ["gdpr-mail-campaign"],
        "user-variables": {DELIVERY_METADATA_KEY: str(delivery.pk)} if delivery else {},
        "message": {"headers": {"message-id": message_id.strip("<>") or "20261202.1@mg.example"}},
    }
    if severity:
        data |= {
            "severity": severity,
            "reason": "bounce" if severity == "permanent" else "generic",
            "delivery-status": {"code": 550, "message": "No such user", "description": ""},
        }
    if name == "clicked":
        data["url"] = "https://example.com/offer"
    payload = {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": data,
    }
    return json.dumps(payload)


PAYLOADS = {
    "sendgrid": (SENDGRID, sendgrid),
    "postmark": (POSTMARK, postmark),
    "mailgun": (MAILGUN, mailgun),
}


def post_payload(esp: str, body: str) -> None:
    """Post a prepared payload to Anymail's tracking webhook of ``esp``, authenticated."""
    response = Client().post(
        PAYLOADS[esp][0], body, content_type="application/json", HTTP_AUTHORIZATION=_auth()
    )
    assert response.status_code == 200, response.content[:300]


def post_event(esp: str, event: str, email: str, **kwargs) -> None:
    """Post one event to Anymail's tracking webhook of ``esp``, authenticated."""
    post_payload(esp, PAYLOADS[esp][1](event, email, **kwargs))
