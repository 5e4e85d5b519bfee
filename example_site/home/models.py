from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
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
