from django.db import models
from modelcluster.fields import ParentalKey
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractEmailForm, AbstractFormField
from wagtail.contrib.forms.panels import FormSubmissionsPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.legal_blocks import SubprocessorListBlock


class HomePage(Page):
    """The demo's home page: a StreamField where editors drop content and forms."""

    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title")),
            ("paragraph", blocks.RichTextBlock()),
            ("subscription_form", SubscriptionFormBlock()),
        ],
        blank=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]


class StandardPage(Page):
    """A plain content page, e.g. the privacy policy or the list of sub-processors."""

    body = StreamField(
        [
            ("heading", blocks.CharBlock(form_classname="title")),
            ("paragraph", blocks.RichTextBlock()),
            ("subscription_form", SubscriptionFormBlock()),
            ("subprocessors", SubprocessorListBlock()),
        ],
        blank=True,
    )

    content_panels = [*Page.content_panels, FieldPanel("body")]


class FormField(AbstractFormField):
    """A field of a :class:`FormPage`."""

    page = ParentalKey("FormPage", on_delete=models.CASCADE, related_name="form_fields")


class FormPage(AbstractEmailForm):
    """A plain wagtail.contrib.forms page: the yardstick of ``benchmarks/subscribe.py``.

    With "To address" empty it sends no mail; submissions are only stored.
    """

    intro = RichTextField(blank=True)
    thank_you_text = RichTextField(blank=True)

    content_panels = [
        *AbstractEmailForm.content_panels,
        FormSubmissionsPanel(),
        FieldPanel("intro"),
        InlinePanel("form_fields", label="Form fields"),
        FieldPanel("thank_you_text"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("from_address"), FieldPanel("to_address")]),
                FieldPanel("subject"),
            ],
            "E-mail",
        ),
    ]
