import json

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def assignment_status(assignment):
    status = assignment.status
    labels = {
        "valid": _("Valid"),
        "pending": _("Not yet valid"),
        "expired": _("Expired"),
        "revoked": _("Revoked"),
    }
    return format_html('<span class="w-status w-status--primary">{}</span>', labels[status])


@register.simple_tag
def evidence_items(record):
    """The record's evidence as (key, readable value) pairs, without the hashing salt."""
    evidence = record.evidence or {}
    items = []
    for key, value in sorted(evidence.items()):
        if key == "salt":
            continue
        if not isinstance(value, str):
            value = json.dumps(value, indent=2, ensure_ascii=False)
        items.append((key, value))
    return items
