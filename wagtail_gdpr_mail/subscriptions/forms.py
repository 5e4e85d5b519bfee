"""The subscription form as the visitor sees it, built on the server from the block's configuration."""

from __future__ import annotations

import time
import unicodedata
from typing import Any

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.blocks import StructValue
from wagtail.models import Page

from ..conf import app_settings
from ..models import LegalBasis, ProcessingPurpose
from ..models.legal import page_or_url

HONEYPOT_FIELD = "website"
BOUND_FORMS_ATTR = "_gdpr_mail_bound_forms"
SUCCESS_PARAM = "subscribed"
TIMESTAMP_SALT = "wagtail_gdpr_mail.form-rendered-at"


#: After a submission faster than ``MIN_FILL_SECONDS`` (browser autofill does that) the
#: form comes back signed as if rendered this long before the minimum ran out: a person
#: who reads the message and presses the button again is through; a script that reposts
#: at once is sent back again.
SECOND_PRESS_SECONDS = 1.0


def sign_render_time(when: float | None = None) -> str:
    """The form's hidden ``rendered_at``: when it was rendered, signed (tests pass an older time)."""
    return signing.Signer(salt=TIMESTAMP_SALT).sign(repr(time.time() if when is None else when))


def error_summary_id(form_id: str) -> str:
    """The id of a form's error summary: the form's action anchors to it."""
    return f"form-{form_id}-errors"


def form_auto_id(form_id: str) -> str:
    """Field ids of one form, prefixed with its ``form_id``: several forms on one page,
    bound or fresh, never share an id."""
    return f"id_{form_id[:8]}_%s"


def _purpose_field_name(purpose: ProcessingPurpose) -> str:
    return f"purpose_{purpose.pk}"


def extra_purposes(config: StructValue) -> list[ProcessingPurpose]:
    return [p for p in config.get("extra_purposes") or [] if p is not None and p.is_active]


def retention_text(purpose: ProcessingPurpose) -> str:
    """How long the data is kept for ``purpose``, as the form and the mail tell the visitor."""
    if purpose.retention_amount is None:
        return gettext("Data kept until you withdraw your consent.")
    return gettext("Data kept for %(period)s.") % {"period": purpose.retention_display}


#: Bidi embeddings, overrides and isolates: they make text read differently than it is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_plain_name(value: str) -> None:
    """A name is one line of visible text: no control (Cc), line-break or bidi characters.

    Names are quoted in the confirmation mail; a line break would add lines to it and a
    bidi override would make it read differently than it is.
    """
    for char in value:
        if char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            raise ValidationError(
                _("A name cannot contain line breaks, control or text-direction characters."),
                code="invalid_characters",
            )


class SubscriptionForm(forms.Form):
    """What the visitor fills in. Built from the block's configuration on the server."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(
        label=_("First name"), max_length=100, required=False, validators=[validate_plain_name]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, required=False, validators=[validate_plain_name]
    )
    page_id = forms.IntegerField(widget=forms.HiddenInput)
    form_id = forms.CharField(widget=forms.HiddenInput, max_length=64)
    rendered_at = forms.CharField(widget=forms.HiddenInput, max_length=200)
    # A field people never see (hidden by CSS and from screen readers); bots fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, config: StructValue, page: Page | None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", form_auto_id(config.get("form_id") or ""))
        super().__init__(*args, **kwargs)
        self.config, self.page = config, page
        for name in {"first_name", "last_name"}.difference(shown_fields(config)):
            del self.fields[name]
        self.extra_purposes = extra_purposes(config)
        for purpose in self.extra_purposes:
            self.fields[_purpose_field_name(purpose)] = forms.BooleanField(
                # Form templates print help texts unescaped (``|safe``): format_html
                # escapes both texts.
                label=purpose.name,
                help_text=format_html(
                    '{} <span class="gdpr-mail-form__retention">{}</span>',
                    purpose.visitor_text,
                    retention_text(purpose),
                ),
                required=False,
                initial=False,
            )
        # No page in the block chooser's preview; the live form always has one.
        self.fields["page_id"].initial = page.pk if page is not None else None
        self.fields["form_id"].initial = config.get("form_id")
        if not self.is_bound:  # a bound form shows what was posted; no signature needed
            self.fields["rendered_at"].initial = sign_render_time()

    def _rendered_at(self) -> float | None:
        posted = self.cleaned_data.get("rendered_at")
        # clean() and is_bot both ask: the signature is checked once per posted value.
        if getattr(self, "_checked", (None,))[0] != posted or posted is None:
            try:
                when = float(signing.Signer(salt=TIMESTAMP_SALT).unsign(posted))
            except (signing.BadSignature, ValueError, TypeError):
                when = None
            self._checked = (posted, when)
        return self._checked[1]

    def _render_again(self, when: float) -> None:
        """The form comes back with a fresh signed timestamp: one more press sends it."""
        self.data = self.data.copy()
        self.data["rendered_at"] = sign_render_time(when)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        rendered = self._rendered_at()
        if rendered is None or cleaned.get(HONEYPOT_FIELD):
            return cleaned  # a bot: is_bot answers it
        now = time.time()
        if now - rendered > app_settings.FORM_MAX_AGE_SECONDS:
            self._render_again(now)
            raise ValidationError(
                _(
                    "This form was open for a long time. Please check your details and "
                    "send it again."
                ),
                code="expired",
            )
        if now - rendered < app_settings.MIN_FILL_SECONDS:
            # Autofill sends a form faster than anyone types: a person is asked to press
            # the button again instead of being told to wait for a mail that never comes.
            minimum = app_settings.MIN_FILL_SECONDS
            self._render_again(now - max(minimum - SECOND_PRESS_SECONDS, 0.0))
            raise ValidationError(
                _(
                    "Your form arrived faster than anyone types, perhaps filled in by your "
                    "browser. Please check your details and press the button again."
                ),
                code="too_fast",
            )
        return cleaned

    @property
    def is_bot(self) -> bool:
        """A filled honeypot, or a render timestamp that is missing or forged."""
        return bool(self.cleaned_data.get(HONEYPOT_FIELD)) or self._rendered_at() is None

    def chosen_purposes(self) -> list[ProcessingPurpose]:
        chosen = [self.config["main_purpose"]]
        chosen += [p for p in self.extra_purposes if self.cleaned_data.get(_purpose_field_name(p))]
        return chosen


def privacy_link(config: StructValue) -> str:
    return page_or_url(config.get("privacy_page"), config.get("privacy_url"))


def form_context(config: StructValue, parent_context: dict[str, Any]) -> dict[str, Any]:
    """Template context of a rendered form: bound after a failed POST, fresh otherwise."""
    request: HttpRequest | None = parent_context.get("request")
    page = parent_context.get("page") or parent_context.get("self")
    form_id = config.get("form_id") or ""
    bound = getattr(request, BOUND_FORMS_ATTR, {}).get(form_id) if request else None
    form = None
    if bound is not None:
        form = bound
    else:
        page = page if isinstance(page, Page) else None
        form = SubscriptionForm(config, page)
    submitted = bool(request and request.GET.get(SUCCESS_PARAM) == form_id)
    main_purpose = config.get("main_purpose")
    return {
        "form": form,
        "form_id": form_id,
        "submitted": submitted,
        # Sent back with errors, the page opens at the form's error summary, without JS
        # (browsers scroll to it; Chromium also focuses it, form-errors.js the others).
        "action_url": f"{reverse('wagtail_gdpr_mail:subscribe')}#{error_summary_id(form_id)}",
        "error_summary_id": error_summary_id(form_id),
        "privacy_link": privacy_link(config),
        "main_purpose": main_purpose,
        "main_purpose_retention": retention_text(main_purpose) if main_purpose else "",
    }


# --- The form as shown, kept as evidence --------------------------------------------


def purpose_snapshot(
    purpose: ProcessingPurpose, basis_codes: dict[int, str] | None = None
) -> dict[str, Any]:
    """One purpose as a visitor is shown it, kept as evidence of what they agreed to."""
    if basis_codes is None:
        basis_codes = LegalBasis.objects.codes()
    if purpose.latest_revision_id is None:
        purpose.current_revision()
    return {
        "id": purpose.pk,
        "name": purpose.name,
        "text": purpose.visitor_text,
        "legal_basis": basis_codes.get(purpose.legal_basis_id, ""),
        "retention": purpose.retention_display,
        "retention_text": retention_text(purpose),
        "revision_id": purpose.latest_revision_id,
    }


def purpose_snapshots(purposes: list[ProcessingPurpose]) -> list[dict[str, Any]]:
    """How ``purposes`` read now, as a form snapshot holds them (imports' invitations)."""
    basis_codes = LegalBasis.objects.codes()
    return [purpose_snapshot(p, basis_codes) for p in purposes]


def shown_fields(config: StructValue) -> list[str]:
    """The names of the fields the form shows, as ``SubscriptionForm`` builds them."""
    return [
        "email",
        *(["first_name"] if config.get("ask_first_name") else []),
        *(["last_name"] if config.get("ask_last_name") else []),
    ]


def form_snapshot(config: StructValue, page: Page) -> dict[str, Any]:
    """The form exactly as the visitor saw it: texts, purposes and where it sat."""
    basis_codes = LegalBasis.objects.codes()
    return {
        "page": {"id": page.pk, "title": page.title, "url": page.full_url or page.url},
        "form_id": config.get("form_id"),
        "heading": config.get("heading"),
        "intro": str(config.get("intro") or ""),
        "info_text": str(config.get("info_text") or ""),
        "privacy_link": privacy_link(config),
        "main_purpose": purpose_snapshot(config["main_purpose"], basis_codes),
        "extra_purposes": [purpose_snapshot(p, basis_codes) for p in extra_purposes(config)],
        "fields": shown_fields(config),
        "submit_label": config.get("submit_label"),
    }
