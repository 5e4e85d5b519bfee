"""The consent history as an editor reads it: each record's evidence as labelled rows.

Evidence is a JSON dict written by the flows (the signup confirmation, the admin,
the self-service page, ESP webhooks, erasure). The presenter turns the keys it
knows into labelled, localised rows (dates in the viewer's time zone, a browser
summary, the page and the texts the visitor saw, the mail as sent); keys it does
not know still show, under a humanised name. The raw JSON stays one click away.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from wagtail.admin.utils import get_user_display_name
from wagtail.models import Page

from ..crypto import is_unreadable
from ..dates import format_datetime
from ..models import ConsentRecord, ContactList, ProcessingPurpose, PurposeAssignment
from ..templatetags.gdpr_mail_tags import safe_richtext

__all__ = ["EvidencePresenter", "Row", "browser_summary"]


@dataclass(frozen=True)
class Row:
    """One labelled line of evidence; ``key`` names the evidence key it came from."""

    key: str
    label: str
    value: SafeString


# --- Browser ------------------------------------------------------------------------

#: (name, pattern of its version) in the order they must be tried: Edge and Opera
#: also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|Opera)/(\d+)"),
    ("Samsung Internet", r"SamsungBrowser/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iOS", r"iPhone|iPad|iPod"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def browser_summary(user_agent: str) -> str:
    """ "Chrome 131 on Windows" from a user agent, parsed simply; empty when unknown."""
    browser = next(
        (
            f"{name} {match.group(1)}"
            for name, pattern in _BROWSERS
            if (match := re.search(pattern, user_agent))
        ),
        "",
    )
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system


# --- Values -------------------------------------------------------------------------


def _dash() -> SafeString:
    return format_html("—")


def _when(value: Any) -> SafeString:
    try:
        return format_html("{}", format_datetime(datetime.fromisoformat(str(value))))
    except ValueError:
        return format_html("{}", value)


def _text(value: Any) -> SafeString:
    if value in (None, ""):
        return _dash()
    text = str(value)
    if "\n" in text:
        return format_html('<span class="gdpr-mail-pre">{}</span>', text)
    return format_html("{}", text)


def _dl(rows: Iterable[tuple[str, SafeString]]) -> SafeString:
    rows = list(rows)
    if not rows:
        return _dash()
    return format_html(
        '<dl class="gdpr-mail-dl">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
    )


def _folded(summary: str, content: SafeString) -> SafeString:
    return format_html(
        '<details class="gdpr-mail-details"><summary>{}</summary>{}</details>', summary, content
    )


def humanised(key: str) -> str:
    return capfirst(key.replace("_", " ").strip()) or key


def _generic(value: Any) -> SafeString:
    """Any JSON value, readably: objects as labelled lists, lists numbered."""
    if isinstance(value, dict):
        return _dl((humanised(str(k)), _generic(v)) for k, v in value.items() if k != "salt")
    if isinstance(value, list):
        if not value:
            return _dash()
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((_generic(v),) for v in value))
        )
    if isinstance(value, bool):
        return format_html("{}", _("yes") if value else _("no"))
    return _text(value)


def _link(value: Any) -> SafeString:
    url = str(value)
    if url.startswith(("https://", "http://", "/")):
        return format_html('<a href="{}" rel="noreferrer">{}</a>', url, url)
    return _text(url)


def _choice_label(choices: Any, value: Any) -> SafeString:
    try:
        return format_html("{}", choices(value).label)
    except ValueError:
        return _text(value)


# --- The presenter ------------------------------------------------------------------


class EvidencePresenter:
    """Labelled rows for a page of consent records, with the users, pages, lists and
    purpose versions they name fetched once for all of them."""

    def __init__(self, records: list[ConsentRecord]):
        evidences = [r.evidence for r in records if _readable(r.evidence)]
        user_ids = {r.actor_user_id for r in records if r.actor_user_id}
        self.users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids)}
        forms = [e["form"] for e in evidences if isinstance(e.get("form"), dict)]
        page_ids = {f["page"].get("id") for f in forms if isinstance(f.get("page"), dict)}
        self.pages = set(
            Page.objects.filter(pk__in={i for i in page_ids if isinstance(i, int)}).values_list(
                "pk", flat=True
            )
        )
        list_ids = {e["bulk"].get("list_id") for e in evidences if isinstance(e.get("bulk"), dict)}
        self.lists = dict(
            ContactList.objects.filter(
                pk__in={i for i in list_ids if isinstance(i, int)}
            ).values_list("pk", "name")
        )
        revision_ids = [r.purpose_revision_id for r in records]
        for form in forms:
            for shown in [form.get("main_purpose"), *(form.get("extra_purposes") or [])]:
                if isinstance(shown, dict):
                    revision_ids.append(shown.get("revision_id"))
        self.versions = ProcessingPurpose.objects.version_numbers(
            r for r in revision_ids if isinstance(r, int)
        )

    # -- per record

    def purpose_version(self, record: ConsentRecord) -> int | None:
        return self.versions.get(record.purpose_revision_id)

    def acted_by(self, record: ConsentRecord) -> str:
        """The editor who acted: their name, or "a deleted user"; empty for visitors."""
        if not record.actor_user_id:
            return ""
        user = self.users.get(record.actor_user_id)
        return get_user_display_name(user) if user is not None else _("a deleted user")

    def rows(self, record: ConsentRecord) -> list[Row]:
        evidence = record.evidence
        if not _readable(evidence):
            return []
        handlers = self._handlers()
        order = {key: position for position, key in enumerate(handlers)}
        rows: list[Row] = []
        for key, value in sorted(evidence.items(), key=lambda item: order.get(item[0], 99)):
            if key == "salt":
                continue
            label_and_render = handlers.get(key)
            if label_and_render is None:
                rows.append(Row(key, humanised(key), _generic(value)))
            else:
                label, render = label_and_render
                rows.extend(render(key, label, value))
        return rows

    def raw_json(self, record: ConsentRecord) -> str:
        evidence = record.evidence
        if not _readable(evidence):
            return ""
        shown = {k: v for k, v in evidence.items() if k != "salt"}
        return json.dumps(shown, indent=2, ensure_ascii=False, sort_keys=True) if shown else ""

    # -- the keys the flows write

    def _handlers(self) -> dict[str, tuple[str, Callable[[str, str, Any], list[Row]]]]:
        one = self._one
        return {
            "submission": (pgettext("consent evidence", "Submitted"), one(self._client)),
            "confirmation": (pgettext("consent evidence", "Confirmed"), one(self._client)),
            "withdrawal": (_("Withdrawn by the contact"), one(self._client)),
            "objection": (_("Objection by the contact"), one(self._client)),
            "at": (pgettext("consent evidence", "When"), one(_when)),
            "ip": (pgettext("consent evidence", "IP address"), one(_text)),
            "user_agent": (pgettext("consent evidence", "Browser"), one(self._browser)),
            "reason": (
                pgettext("consent evidence", "Revocation"),
                one(lambda v: _choice_label(PurposeAssignment.RevocationReason, v)),
            ),
            "editor_reason": (
                pgettext("consent evidence", "Reason"),
                one(lambda v: _choice_label(PurposeAssignment.EditorReason, v)),
            ),
            "note": (pgettext("consent evidence", "Note"), one(_text)),
            "form": ("", self._form),
            "mail": (_("Mail as sent"), one(self._mail)),
            "previous_valid_from": (_("Previously valid from"), one(_when)),
            "previous_valid_until": (_("Previously valid until"), one(self._until)),
            "bulk": (_("Applied to"), one(self._bulk)),
            "signup_id": (
                pgettext("consent evidence", "Signup"),
                one(lambda v: format_html("#{}", v)),
            ),
            "suppression_lifted": (_("Suppression lifted"), one(_generic)),
            "esp": (_("Reported by"), one(_text)),
            "event_id": (_("ESP event"), one(_text)),
        }

    @staticmethod
    def _one(render: Callable[[Any], SafeString]) -> Callable[[str, str, Any], list[Row]]:
        return lambda key, label, value: [Row(key, label, render(value))]

    def _client(self, value: Any) -> SafeString:
        if not isinstance(value, dict):
            return _generic(value)
        rows = []
        if value.get("at"):
            rows.append((pgettext("consent evidence", "When"), _when(value["at"])))
        if "ip" in value:
            rows.append((pgettext("consent evidence", "IP address"), _text(value["ip"])))
        if "user_agent" in value:
            rows.append(
                (pgettext("consent evidence", "Browser"), self._browser(value["user_agent"]))
            )
        known = {"at", "ip", "user_agent"}
        rows.extend((humanised(k), _generic(v)) for k, v in value.items() if k not in known)
        return _dl(rows)

    @staticmethod
    def _browser(value: Any) -> SafeString:
        if not value:
            return _dash()
        agent = str(value)
        summary = browser_summary(agent) or _("Unknown browser")
        return _folded(summary, format_html("<code>{}</code>", agent))

    @staticmethod
    def _until(value: Any) -> SafeString:
        return _when(value) if value else format_html("{}", _("no limit"))

    def _bulk(self, value: Any) -> SafeString:
        if value is True:
            return format_html("{}", _("A selection of contacts, at once"))
        if isinstance(value, dict) and "list_id" in value:
            name = self.lists.get(value["list_id"]) or _("a deleted list")
            return format_html("{}", _("Every contact of the list “%(list)s”") % {"list": name})
        return _generic(value)

    def _mail(self, value: Any) -> SafeString:
        if not isinstance(value, dict):
            return _generic(value)
        rows = [
            (pgettext("consent evidence", "From"), _text(value.get("from"))),
            (
                pgettext("consent evidence", "Sent"),
                _when(value["sent_at"]) if value.get("sent_at") else _dash(),
            ),
            (
                pgettext("consent evidence", "Text"),
                format_html('<pre class="gdpr-mail-pre">{}</pre>', value.get("text", "")),
            ),
        ]
        if value.get("html"):
            rows.append(
                (
                    pgettext("consent evidence", "HTML"),
                    _folded(
                        _("Show HTML source"),
                        format_html('<pre class="gdpr-mail-pre">{}</pre>', value["html"]),
                    ),
                )
            )
        known = {"from", "sent_at", "text", "html", "subject"}
        rows.extend((humanised(k), _generic(v)) for k, v in value.items() if k not in known)
        subject = value.get("subject") or _("(no subject)")
        return _folded(subject, _dl(rows))

    def _form(self, key: str, label: str, value: Any) -> list[Row]:
        if not isinstance(value, dict):
            return [Row(key, pgettext("consent evidence", "Form"), _generic(value))]
        rows = []
        page = value.get("page")
        if isinstance(page, dict):
            rows.append(Row("page", pgettext("consent evidence", "Page"), self._page(page)))
        form_name = value.get("heading") or value.get("form_id")
        if form_name:
            rows.append(Row("form", pgettext("consent evidence", "Form"), _text(form_name)))
        rows.append(Row("texts", _("Texts shown"), self._texts(value)))
        return rows

    def _page(self, page: dict[str, Any]) -> SafeString:
        title = page.get("title") or _("(untitled page)")
        if page.get("id") in self.pages:
            url = reverse("wagtailadmin_pages:edit", args=[page["id"]])
            return format_html('<a href="{}">{}</a>', url, title)
        return format_html("{} ({})", title, _("the page no longer exists"))

    def _texts(self, form: dict[str, Any]) -> SafeString:
        rows = []
        if form.get("intro"):
            rows.append((_("Introduction"), safe_richtext(form["intro"])))
        main = form.get("main_purpose")
        if isinstance(main, dict):
            rows.append((_("Main purpose"), self._purpose(main)))
        extras = [p for p in form.get("extra_purposes") or [] if isinstance(p, dict)]
        if extras:
            rows.append(
                (
                    _("Optional purposes chosen"),
                    format_html_join("", "<div>{}</div>", ((self._purpose(p),) for p in extras)),
                )
            )
        if form.get("info_text"):
            rows.append((_("Information text"), safe_richtext(form["info_text"])))
        if form.get("privacy_link"):
            rows.append((_("Privacy policy link"), _link(form["privacy_link"])))
        if form.get("fields"):
            names = {
                "email": _("E-mail"),
                "first_name": _("First name"),
                "last_name": _("Last name"),
            }
            asked = ", ".join(str(names.get(f, f)) for f in form["fields"])
            rows.append((_("Fields asked"), _text(asked)))
        if form.get("submit_label"):
            rows.append((pgettext("consent evidence", "Button"), _text(form["submit_label"])))
        known = {"page", "form_id", "heading", "intro", "main_purpose", "extra_purposes"}
        known |= {"info_text", "privacy_link", "fields", "submit_label"}
        rows.extend((humanised(k), _generic(v)) for k, v in form.items() if k not in known)
        return _dl(rows)

    def _purpose(self, shown: dict[str, Any]) -> SafeString:
        version = self.versions.get(shown.get("revision_id"))
        details = [shown.get("retention_text") or shown.get("retention") or ""]
        if version:
            details.append(_("version %(number)s") % {"number": version})
        return format_html(
            "<strong>{}</strong><br>{}<br><small>{}</small>",
            shown.get("name", ""),
            _text(shown.get("text")),
            " · ".join(d for d in details if d),
        )


def _readable(evidence: Any) -> bool:
    return isinstance(evidence, dict) and not is_unreadable(evidence)
