from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html
from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister

from ..dates import format_date, format_datetime

register = template.Library()

# Dates in one unambiguous format per language (``dates.py``).
register.filter("gm_date", format_date)
register.filter("gm_datetime", format_datetime)


@register.simple_tag
def assignment_status(assignment):
    labels = {
        "valid": _("Valid"),
        "pending": _("Not yet valid"),
        "expired": _("Expired"),
        "revoked": _("Revoked"),
    }
    return format_html(
        '<span class="w-status w-status--primary">{}</span>', labels[assignment.status]
    )


class _PublicTextWhitelister(Whitelister):
    # The form's rich texts allow bold, italic and links: no images (nor tracking pixels).
    element_rules = {k: v for k, v in DEFAULT_ELEMENT_RULES.items() if k != "img"}


@register.filter
def safe_richtext(value) -> SafeString:
    """Rich text as visitors see it: expanded like ``|richtext``, then through Wagtail's
    whitelister, so markup stored past the editor (an import, the API, a migration)
    cannot plant a script on a public page."""
    source = getattr(value, "source", value)
    if not source:
        return SafeString("")
    return SafeString(_PublicTextWhitelister().clean(expand_db_html(str(source))))
