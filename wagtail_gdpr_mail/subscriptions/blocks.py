"""The subscription form as a StreamField block, and finding it again on a live page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks import StreamValue, StructValue
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.snippets.blocks import SnippetChooserBlock

from ..admin.labels import label_chooser
from .consent_only import not_on_consent_error
from .forms import form_context

DEFAULT_SUBJECT = _("Please confirm your subscription")
DEFAULT_BODY = _(
    "Hello {name},\n\n"
    "please confirm that you want to receive e-mails from {controller} by opening "
    "this link:\n\n{confirm_url}\n\n"
    "If you did not ask for this, ignore this message: without your confirmation "
    "we will not write to you again and will delete your address.\n\n"
    "{controller}"
)
MAIL_PLACEHOLDERS = ("{confirm_url}", "{name}", "{controller}")

# Ids given to a repeated form_id derive from it, so publishing the same revision again
# gives the copy the same id and pages already open in browsers keep working.
_COPY_NAMESPACE = uuid.UUID("5b0c7c52-4f43-4c55-9d0a-6a3f2f0f8e11")


def new_form_id() -> str:
    return uuid.uuid4().hex


def _copy_form_id(form_id: str, occurrence: int) -> str:
    return uuid.uuid5(_COPY_NAMESPACE, f"{form_id}/{occurrence}").hex


class LabelledSnippetChooserBlock(SnippetChooserBlock):
    """A snippet chooser whose buttons speak the editor's language: a block keeps its
    widget for the life of the process, so the texts must stay lazy."""

    @cached_property
    def widget(self):
        widget = super().widget
        labels = getattr(self.target_model.snippet_viewset, "labels", None)
        return label_chooser(widget, labels) if labels is not None else widget

    def deconstruct(self):
        # Only the labels differ: sites' migrations keep Wagtail's block.
        _path, args, kwargs = super().deconstruct()
        return "wagtail.snippets.blocks.SnippetChooserBlock", args, kwargs


class SubscriptionFormBlock(blocks.StructBlock):
    """A subscription form: a main purpose, optional purpose checkboxes, info text, a list.

    The configuration is read from the live page on the server when the form is
    posted, never from the client; ``form_id`` (set on save) tells several forms
    on one page apart.
    """

    heading = blocks.CharBlock(label=_("Heading"), default=_("Subscribe to our newsletter"))
    intro = blocks.RichTextBlock(
        label=_("Introduction"), required=False, features=["bold", "italic", "link"]
    )
    ask_first_name = blocks.BooleanBlock(
        label=_("Ask for the first name"), required=False, default=True
    )
    ask_last_name = blocks.BooleanBlock(label=_("Ask for the last name"), required=False)
    main_purpose = LabelledSnippetChooserBlock(
        "wagtail_gdpr_mail.ProcessingPurpose",
        label=_("Main purpose"),
        help_text=_("What the visitor subscribes to. Every form needs one."),
    )
    extra_purposes = blocks.ListBlock(
        LabelledSnippetChooserBlock("wagtail_gdpr_mail.ProcessingPurpose"),
        label=_("Optional purposes"),
        help_text=_("Each is shown as an unticked checkbox with its label and text."),
        default=[],
    )
    info_text = blocks.RichTextBlock(
        label=_("Information text"),
        features=["bold", "italic", "link"],
        help_text=_(
            "Who the controller is, what data is processed and why, and that consent "
            "can be withdrawn at any time."
        ),
    )
    privacy_page = blocks.PageChooserBlock(label=_("Privacy policy page"), required=False)
    privacy_url = blocks.URLBlock(label=_("or privacy policy URL"), required=False)
    target_list = LabelledSnippetChooserBlock(
        "wagtail_gdpr_mail.ContactList", label=_("Add confirmed contacts to list")
    )
    submit_label = blocks.CharBlock(label=_("Button text"), default=_("Subscribe"))
    success_message = blocks.TextBlock(
        label=_("Message after submitting"),
        default=_("Thank you. Please check your mailbox and confirm your subscription."),
    )
    mail_subject = blocks.CharBlock(label=_("Confirmation e-mail subject"), default=DEFAULT_SUBJECT)
    mail_body = blocks.TextBlock(
        label=_("Confirmation e-mail text"),
        default=DEFAULT_BODY,
        help_text=_("Placeholders: {confirm_url} (required), {name}, {controller}."),
    )
    form_id = blocks.CharBlock(required=False, form_classname="w-hidden", label=_("Form reference"))

    class Meta:
        icon = "mail"
        label = _("Subscription form")
        template = "wagtail_gdpr_mail/blocks/subscription_form.html"
        preview_template = "wagtail_gdpr_mail/blocks/subscription_form_preview.html"
        description = _("A subscription form with purposes and double opt-in.")
        preview_value = {
            "heading": _("Subscribe to our newsletter"),
            "info_text": _("Who processes your data, why, for how long, and how to withdraw."),
            "ask_first_name": True,
            "submit_label": _("Subscribe"),
        }

    def clean(self, value):
        errors: dict[str, ValidationError] = {}
        try:
            value = super().clean(value)
        except StructBlockValidationError as exc:
            errors.update(exc.block_errors)
        main = value.get("main_purpose")
        if not main and "main_purpose" not in errors:
            errors["main_purpose"] = ValidationError(
                _("Choose the main purpose: a form without one collects data for nothing.")
            )
        extras = [p for p in value.get("extra_purposes") or [] if p]
        if main and any(p.pk == main.pk for p in extras):
            errors["extra_purposes"] = ValidationError(
                _("The main purpose cannot also be an optional purpose.")
            )
        if len({p.pk for p in extras}) != len(extras):
            errors["extra_purposes"] = ValidationError(_("Each optional purpose once, please."))
        for name, purposes in (
            ("main_purpose", [main] if main else []),
            ("extra_purposes", extras),
        ):
            error = not_on_consent_error(purposes)
            if error and name not in errors:
                errors[name] = error
        if not value.get("privacy_page") and not value.get("privacy_url"):
            errors["privacy_url"] = ValidationError(
                _("Link the privacy policy: choose a page or enter a URL.")
            )
        if "{confirm_url}" not in (value.get("mail_body") or ""):
            errors["mail_body"] = ValidationError(
                _("The text must contain {confirm_url}: without it nobody can confirm.")
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        if not value.get("form_id"):
            value["form_id"] = new_form_id()
        return value

    def get_prep_value(self, value):
        # The admin form runs clean(); pages built in code, fixtures and data migrations
        # do not, and a form without an id can never be posted to. Set in place, so the
        # page object in memory renders the id that is stored.
        if value is not None and not value.get("form_id"):
            value["form_id"] = new_form_id()
        return super().get_prep_value(value)

    def get_context(self, value, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        context = super().get_context(value, parent_context=parent_context)
        context.update(form_context(value, parent_context or {}))
        return context


# --- Finding a form's configuration on the live page -------------------------------


def _walk(value: Any):
    """Every StructValue inside a StreamField value, depth first."""
    if isinstance(value, StreamValue):
        for child in value:
            yield from _walk(child.value)
    elif isinstance(value, StructValue):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list | tuple) or type(value).__name__ == "ListValue":
        for item in value:
            yield from _walk(item)


def forms_on(page: Page) -> Iterator[StructValue]:
    """Every subscription form in the StreamFields of ``page`` (a specific page)."""
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            for struct in _walk(getattr(page, field.name)):
                if isinstance(struct.block, SubscriptionFormBlock):
                    yield struct


def _holds_subscription_forms(block: blocks.Block) -> bool:
    if isinstance(block, SubscriptionFormBlock):
        return True
    children = list(getattr(block, "child_blocks", {}).values())
    if getattr(block, "child_block", None) is not None:
        children.append(block.child_block)
    return any(_holds_subscription_forms(child) for child in children)


def give_forms_their_own_ids(page: Page) -> None:
    """Give each subscription form on ``page`` an id no earlier form on it has.

    A block duplicated in the editor carries its original's ``form_id``; the POST would
    always find the first form and the copy would never receive a submission.
    """
    seen: dict[str, int] = {}
    for form in forms_on(page):
        form_id = form.get("form_id") or new_form_id()
        if form_id in seen:
            seen[form_id] += 1
            copy_id = _copy_form_id(form_id, seen[form_id])
            while copy_id in seen:
                seen[form_id] += 1
                copy_id = _copy_form_id(form_id, seen[form_id])
            form_id = copy_id
        seen.setdefault(form_id, 0)
        form["form_id"] = form_id


@receiver(pre_save, dispatch_uid="wagtail_gdpr_mail_form_ids")
def _form_ids_on_save(sender, instance, **kwargs) -> None:
    # Connected here, next to the block, so any site whose pages use the block gets it;
    # only page types whose StreamFields can hold the block pay for the walk.
    if not isinstance(instance, Page):
        return
    if any(
        isinstance(field, StreamField) and _holds_subscription_forms(field.stream_block)
        for field in instance._meta.get_fields()
    ):
        give_forms_their_own_ids(instance)


def find_form(page: Page, form_id: str) -> StructValue | None:
    """The configuration of the subscription form ``form_id`` on ``page``, or None."""
    if not form_id:
        return None
    return next((form for form in forms_on(page) if form.get("form_id") == form_id), None)


#: A page's type never changes, so the shared cache remembers it per page: a
#: submission then reads its page in one query instead of two.
PAGE_TYPE_KEY = "wagtail_gdpr_mail:page-type:{}"
PAGE_TYPE_SECONDS = 3600


def get_live_page(page_id: Any) -> Page | None:
    """The live, specific page ``page_id``, or None (unknown, draft, or not a number)."""
    try:
        page_id = int(page_id)
    except (TypeError, ValueError):
        return None
    # Forms on pages behind a view restriction work for those who may see the page;
    # what matters is that the page is live, so drafts cannot collect data.
    key = PAGE_TYPE_KEY.format(page_id)
    content_type_id = cache.get(key)
    if content_type_id is not None:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        page = model.objects.live().filter(pk=page_id).first() if model else None
        if page is not None:
            return page
    page = Page.objects.live().filter(pk=page_id).specific().first()
    if page is not None:
        cache.set(key, page.content_type_id, PAGE_TYPE_SECONDS)
    return page
