"""The campaign report's events section: what the ESP and the tracked mails told us.

``campaign_report(campaign)`` gives the template fragment
``wagtail_gdpr_mail/campaigns/report_events.html`` its context; the campaign admin's
report view includes it. Tracked recipients (who hold the tracking purpose) and
untracked ones are shown apart: for the untracked only what the ESP reports for every
mail (delivered, bounced, complaints, unsubscribes), never opens or clicks.
"""

from __future__ import annotations

from typing import Any

from ..models import Campaign
from ..models.campaigns import AGGREGATE_EVENTS, EVENT_FIELDS, delivery_event_counts

#: The fragment the campaign admin's report view includes (context: ``report``).
REPORT_TEMPLATE = "wagtail_gdpr_mail/campaigns/report_events.html"


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def campaign_report(campaign: Campaign) -> dict[str, Any]:
    """Event counts of ``campaign``, as a whole and per group, with percentages of the
    group's recipients (opens and clicks: of the tracked recipients only)."""
    counts = delivery_event_counts(campaign.deliveries.all())
    groups = []
    for key in ("tracked", "untracked"):
        group = counts[key]
        recipients = group["recipients"]
        names = EVENT_FIELDS if key == "tracked" else AGGREGATE_EVENTS
        groups.append(
            {
                "key": key,
                "recipients": recipients,
                "rows": [
                    {
                        "event": name,
                        "count": group[name],
                        "percent": _percent(group[name], recipients),
                    }
                    for name in names
                ],
            }
        )
    return {
        "campaign": campaign,
        "counts": counts,
        "groups": groups,
        "template": REPORT_TEMPLATE,
    }
