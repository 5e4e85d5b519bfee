from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page

from wagtail_gdpr_mail.blocks import SubscriptionFormBlock
from wagtail_gdpr_mail.legal_blocks import SubprocessorListBlock


class TestPage(Page):
    """The one page type of the tests: a StreamField holding every block the app offers."""

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

    template = "test_project/test_page.html"

    __test__ = False  # a page model, not a test class for pytest to collect
