from django import template
from django.utils.html import conditional_escape, format_html, format_html_join, strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from wagtail.rich_text import expand_db_html
from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister

from ..dates import format_date, format_datetime
from ..models import ProcessingPurpose

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


def _render(value, key: str = "") -> SafeString:
    """Evidence as nested definition lists; long texts keep their line breaks and
    HTML snapshots are shown as source, folded away."""
    if isinstance(value, dict):
        items = [(k, _render(v, k)) for k, v in value.items() if k != "salt"]
        return format_html(
            '<dl class="gdpr-mail-dl">{}</dl>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", items),
        )
    if isinstance(value, list):
        if not value:
            return format_html("—")
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((_render(v),) for v in value))
        )
    if value is None or value == "":
        return format_html("—")
    text = str(value)
    if key != "html" and text.lstrip().startswith("<"):
        # Rich text as shown to the visitor (its markup is in the export).
        return conditional_escape(strip_tags(text))
    if key == "html":
        return format_html(
            '<details><summary>{}</summary><pre style="white-space: pre-wrap">{}</pre></details>',
            _("Show HTML source"),
            text,
        )
    if "\n" in text:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)
    return conditional_escape(text)


def _revision_ids(value) -> set[int]:
    if isinstance(value, dict):
        found = {value["revision_id"]} if isinstance(value.get("revision_id"), int) else set()
        return found.union(*(_revision_ids(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_revision_ids(v) for v in value))
    return set()


def _with_versions(value, versions: dict[int, int]):
    """Wagtail's global revision ids replaced by the purpose's own version numbers."""
    if isinstance(value, dict):
        return {
            ("version" if k == "revision_id" else k): (
                versions.get(v, v) if k == "revision_id" else _with_versions(v, versions)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_with_versions(v, versions) for v in value]
    return value


@register.simple_tag
def evidence_html(record):
    """The record's evidence, readable (without the hashing salt, with purpose versions
    numbered per purpose); empty when none."""
    evidence = {k: v for k, v in (record.evidence or {}).items() if k != "salt"}
    if not evidence:
        return ""
    versions = ProcessingPurpose.objects.version_numbers(_revision_ids(evidence))
    return _render(_with_versions(evidence, versions))


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
