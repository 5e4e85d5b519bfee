"""Building and sending the app's mail through Django's e-mail API (so any Anymail ESP).

Override by subclassing :class:`MailAdapter` and naming the subclass in
``WAGTAIL_GDPR_MAIL_MAIL_ADAPTER``.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.utils import make_msgid, parseaddr
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.models import Site

from .conf import app_settings
from .dates import format_date
from .legal.controller import controller_name, default_site, get_controller, site_of
from .models.access import AccessRequest
from .models.lifecycle import InterestNotice, ReconsentRequest
from .models.monitoring import AccessAlert
from .models.signups import PendingSignup

REDACTED_LINK = "[confirmation link]"
REDACTED_RENEW_LINK = "[renewal link]"
REDACTED_OBJECT_LINK = "[objection link]"

#: The re-consent mail of a purpose whose subject or text the editor left empty.
DEFAULT_RECONSENT_SUBJECT = _("Would you like to keep hearing from {controller}?")
DEFAULT_RECONSENT_BODY = _(
    "Hello {name},\n\n"
    "you agreed that {controller} may use your e-mail address for “{purpose}”. "
    "That consent ends on {valid_until}.\n\n"
    "If you would like it to continue, open this link and press the button:\n"
    "{renew_url}\n\n"
    "If you do nothing, the consent simply ends and we stop using your address "
    "for this purpose."
)

#: The information notice of a purpose based on legitimate interest (GDPR Art. 13/14, 21).
DEFAULT_NOTICE_SUBJECT = _("How {controller} uses your e-mail address")
DEFAULT_NOTICE_BODY = _(
    "Hello {name},\n\n"
    "{controller} processes your e-mail address for “{purpose}” on the basis of its "
    "legitimate interest (Art. 6(1)(f) GDPR).\n\n"
    "What we do and why: {purpose_text}\n"
    "How long: {retention}\n\n"
    "You have the right to access your data, to have it corrected or erased, to restrict "
    "its processing, and to lodge a complaint with the data protection authority.\n\n"
    "You may object to this processing at any time (Art. 21 GDPR); we then stop it. "
    "To object, open this link and press the button:\n"
    "{object_url}"
)
#: Long links wrap on a narrow (360 px) screen instead of widening the mail.
LINK_STYLE = "word-break: break-all; overflow-wrap: anywhere;"


class MailAdapter:
    """Renders the double opt-in mail and sends it. Override points are small methods."""

    confirmation_html_template = "wagtail_gdpr_mail/mail/confirmation.html"
    #: The editor's text followed by the list of the purposes being confirmed.
    confirmation_text_template = "wagtail_gdpr_mail/mail/confirmation.txt"

    def from_email(self, site: Site | None = None) -> str:
        """The sender, with the controller's name as display name unless the setting has one."""
        address = app_settings.FROM_EMAIL or settings.DEFAULT_FROM_EMAIL
        name = get_controller(site).controller_name
        if not name or parseaddr(address)[0]:
            return address
        try:
            # Django encodes a non-ASCII display name when it builds the message.
            return str(Address(display_name=" ".join(name.split()), addr_spec=address))
        except (ValueError, IndexError):  # an address the parser refuses: send it unnamed
            return address

    def reply_to(self, site: Site | None = None) -> list[str]:
        """Where answers go: the setting, else the controller's e-mail, else the DPO's."""
        controller = get_controller(site)
        address = app_settings.REPLY_TO or controller.controller_email or controller.dpo_email
        return [address] if address else []

    def headers(self, site: Site | None = None) -> dict[str, str]:
        """A Message-ID from the site's own domain (not the sending host's name)."""
        domain = site.hostname if site is not None and site.hostname else None
        return {"Message-ID": make_msgid(domain=domain)}

    def _message(self, site: Site | None, **kwargs: Any) -> EmailMultiAlternatives:
        return EmailMultiAlternatives(
            from_email=self.from_email(site),
            reply_to=self.reply_to(site),
            headers=self.headers(site),
            **kwargs,
        )

    def confirm_url(self, signup: PendingSignup, token: str) -> str:
        path = reverse("wagtail_gdpr_mail:confirm", args=[token])
        return urljoin(signup.data.get("base_url") or "/", path.lstrip("/"))

    def placeholders(self, signup: PendingSignup, confirm_url: str) -> dict[str, str]:
        data = signup.data
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        name = " ".join(name.split())  # one line, whatever slipped past the form
        return {
            "confirm_url": confirm_url,
            "name": name or signup.email,
            "controller": controller_name(signup.page),
        }

    def confirmed_purposes(self, signup: PendingSignup) -> list[dict[str, str]]:
        """The purposes the visitor chose, as the form showed them: name, text, retention."""
        shown = signup.data.get("form") or {}
        chosen = set(signup.data.get("purpose_ids") or [])
        purposes = [shown.get("main_purpose") or {}, *(shown.get("extra_purposes") or [])]
        return [
            {
                # One line each, whatever an editor typed.
                "name": " ".join(str(p.get("name") or "").split()),
                "text": " ".join(str(p.get("text") or "").split()),
                "retention": p.get("retention_text")
                or translation.gettext("Retention: %(period)s")
                % {"period": p.get("retention") or ""},
            }
            for p in purposes
            if p.get("id") in chosen
        ]

    def render_confirmation(self, signup: PendingSignup, confirm_url: str) -> dict[str, str]:
        """Subject, text and HTML of the confirmation mail."""
        texts = signup.data.get("mail") or {}
        values = self.placeholders(signup, confirm_url)
        # One line, whatever a visitor typed into a name that the subject quotes.
        subject = " ".join(_fill(texts.get("subject") or "", values).splitlines()).strip()
        body = _fill(texts.get("body") or "", values)
        with translation.override(signup.data.get("language")):
            purposes = self.confirmed_purposes(signup)
            text = body
            if purposes:
                text = render_to_string(
                    self.confirmation_text_template, {"text": body, "purposes": purposes}
                ).rstrip("\n")
            html = render_to_string(
                self.confirmation_html_template,
                {
                    "language": translation.get_language() or settings.LANGUAGE_CODE,
                    "link_style": LINK_STYLE,
                    "subject": subject,
                    "text": text,
                    "text_html": text_as_html(body, confirm_url),
                    "confirm_url": confirm_url,
                    "purposes": purposes,
                },
            )
        return {"subject": subject, "text": text, "html": html}

    def build_confirmation(
        self, signup: PendingSignup, token: str
    ) -> tuple[EmailMultiAlternatives, dict[str, str]]:
        """The message to send, and its snapshot for the evidence (link redacted)."""
        confirm_url = self.confirm_url(signup, token)
        rendered = self.render_confirmation(signup, confirm_url)
        site = site_of(signup.page) if signup.page is not None else None
        message = self._message(
            site, subject=rendered["subject"], body=rendered["text"], to=[signup.email]
        )
        message.attach_alternative(rendered["html"], "text/html")
        # The outbox adds the row's metadata, which Anymail's tracking events carry
        # back, so a bounce finds the signup without any address in the metadata.
        message.tags = ["gdpr-mail-confirmation"]  # type: ignore[attr-defined]
        message.track_clicks = False  # type: ignore[attr-defined]  # keep the link intact
        # The mail exactly as sent, but for the link: tokens are never stored in clear.
        snapshot = {
            key: value.replace(confirm_url, REDACTED_LINK) for key, value in rendered.items()
        }
        snapshot["from"] = message.from_email
        return message, snapshot

    access_text_template = "wagtail_gdpr_mail/mail/access.txt"

    def build_access_mail(self, access: AccessRequest, token: str) -> EmailMultiAlternatives:
        """The "manage your data" mail with its one-time link."""
        url = urljoin(
            access.base_url or "/",
            reverse("wagtail_gdpr_mail:my_data_open", args=[token]).lstrip("/"),
        )
        with translation.override(access.language or None):
            context = {"url": url, "controller": controller_name(), "access": access}
            subject = translation.gettext("Your personal data at %(controller)s") % context
            text = render_to_string(self.access_text_template, context)
        message = self._message(
            default_site(), subject=subject, body=text, to=[access.contact.email]
        )
        message.track_clicks = False  # type: ignore[attr-defined]
        return message

    access_alert_template = "wagtail_gdpr_mail/mail/access_alert.txt"

    def build_access_alert(
        self, alert: AccessAlert, recipients: list[str]
    ) -> EmailMultiAlternatives:
        """The alert to the DPO and the admins: who, what, how many; no contact's data."""
        base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "/"
        report_url = urljoin(base, reverse("wagtail_gdpr_mail_access_report").lstrip("/"))
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "alert": alert,
                "kind": alert.get_kind_display(),
                "window": app_settings.ALERT_WINDOW_MINUTES,
                "report_url": report_url,
            }
            subject = translation.gettext("Access alert: %(kind)s (%(user)s)") % {
                "kind": context["kind"],
                "user": alert.username or alert.user_id,
            }
            text = render_to_string(self.access_alert_template, context)
        message = self._message(default_site(), subject=subject, body=text, to=recipients)
        message.track_clicks = False  # type: ignore[attr-defined]
        message.track_opens = False  # type: ignore[attr-defined]
        return message

    lifecycle_html_template = "wagtail_gdpr_mail/mail/lifecycle.html"

    def text_mail(
        self,
        *,
        to: str,
        subject: str,
        body: str,
        link: str,
        button: str,
        redacted: str,
        tag: str,
    ) -> tuple[EmailMultiAlternatives, dict[str, str]]:
        """A mail of the editor's text with one link (and a button to it), and its
        snapshot for the evidence: exactly as sent, but the link redacted."""
        subject = " ".join(subject.splitlines()).strip()
        html = render_to_string(
            self.lifecycle_html_template,
            {
                "language": translation.get_language() or settings.LANGUAGE_CODE,
                "subject": subject,
                "text_html": text_as_html(body, link),
                "link": link,
                "link_style": LINK_STYLE,
                "button": button,
            },
        )
        message = self._message(default_site(), subject=subject, body=body, to=[to])
        message.attach_alternative(html, "text/html")
        message.tags = [tag]  # type: ignore[attr-defined]
        message.track_clicks = False  # type: ignore[attr-defined]
        rendered = {"subject": subject, "text": body, "html": html}
        snapshot = {key: value.replace(link, redacted) for key, value in rendered.items()}
        snapshot["from"] = message.from_email
        return message, snapshot

    def build_reconsent(
        self, reconsent: ReconsentRequest, token: str
    ) -> tuple[EmailMultiAlternatives, dict[str, str]]:
        """The re-consent mail with its renew link, and its snapshot (link redacted)."""
        assignment = reconsent.assignment
        purpose, contact = assignment.purpose, assignment.contact
        url = link_url(reconsent.base_url, "wagtail_gdpr_mail:renew", token)
        with translation.override(settings.LANGUAGE_CODE):
            name = " ".join(contact.full_name.split())
            values = {
                "name": name or contact.email,
                "purpose": purpose.name,
                "valid_until": format_date(reconsent.valid_until),
                "controller": controller_name(),
                "renew_url": url,
            }
            subject = _fill(purpose.reconsent_subject or str(DEFAULT_RECONSENT_SUBJECT), values)
            body = _fill(purpose.reconsent_body or str(DEFAULT_RECONSENT_BODY), values)
            if url not in body:
                body = f"{body.rstrip()}\n\n{url}"
            return self.text_mail(
                to=contact.email,
                subject=subject,
                body=body,
                link=url,
                button=translation.gettext("Yes, keep my consent"),
                redacted=REDACTED_RENEW_LINK,
                tag="gdpr-mail-reconsent",
            )

    def build_notice(
        self, notice: InterestNotice, token: str
    ) -> tuple[EmailMultiAlternatives, dict[str, str]]:
        """The legitimate-interest notice with its "object" link, and its snapshot."""
        purpose, contact = notice.assignment.purpose, notice.assignment.contact
        url = link_url(notice.base_url, "wagtail_gdpr_mail:object", token)
        with translation.override(settings.LANGUAGE_CODE):
            values = {
                "name": " ".join(contact.full_name.split()) or contact.email,
                "purpose": purpose.name,
                "purpose_text": " ".join(purpose.visitor_text.split()),
                "retention": purpose.retention_display,
                "controller": controller_name(),
                "object_url": url,
            }
            return self.text_mail(
                to=contact.email,
                subject=_fill(str(DEFAULT_NOTICE_SUBJECT), values),
                body=_fill(str(DEFAULT_NOTICE_BODY), values),
                link=url,
                button=translation.gettext("I object to this processing"),
                redacted=REDACTED_OBJECT_LINK,
                tag="gdpr-mail-notice",
            )

    def send(self, message: EmailMultiAlternatives) -> str:
        """Send; return the ESP's message id when Anymail reports one."""
        message.send(fail_silently=False)
        status = getattr(message, "anymail_status", None)
        message_id = getattr(status, "message_id", None) if status else None
        # Anymail gives a string, or a set when recipients got different ids; some
        # backends give a number.
        if isinstance(message_id, set | frozenset | list | tuple):
            return " ".join(sorted(str(i) for i in message_id if i))
        return str(message_id) if message_id else ""


def text_as_html(text: str, link: str) -> SafeString:
    """The mail text as HTML: everything escaped, line breaks kept, and only ``link`` (the
    confirmation URL) a link; names and other typed text never become links."""
    parts = [linebreaksbr(part, autoescape=True) for part in text.split(link)]
    anchor = format_html('<a href="{}" style="{}">{}</a>', link, LINK_STYLE, link)
    return mark_safe(anchor.join(parts))  # noqa: S308 - every part is escaped above


def link_url(base_url: str, url_name: str, token: str) -> str:
    """The absolute URL of a token link under the site's root (never a request's Host)."""
    if not base_url:
        site = default_site()
        base_url = (site.root_url if site is not None else "") + "/"
    return urljoin(base_url, reverse(url_name, args=[token]).lstrip("/"))


def _fill(template: str, values: dict[str, str]) -> str:
    # str.format would choke on braces an editor typed; replace the known names only.
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


def get_adapter() -> MailAdapter:
    return import_string(app_settings.MAIL_ADAPTER)()
