"""The blocks a campaign's body is written with.

The footer block carries no fields: it renders the controller's details from the site
settings and the unsubscribe and preference links of each recipient, which the composer
fills in (:mod:`wagtail_gdpr_mail.campaigns.compose`). A campaign for a purpose on
consent or legitimate interest must hold one (see ``Campaign.unsubscribe_problems``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

TEMPLATES = "wagtail_gdpr_mail/campaigns/blocks/"


class TextBlock(blocks.RichTextBlock):
    class Meta:
        label = _("Text")
        icon = "pilcrow"
        features = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        required=False,
        max_length=255,
        help_text=_("What the image shows, for readers who do not load images."),
    )
    link = blocks.URLBlock(label=_("Link"), required=False)

    class Meta:
        label = _("Image")
        icon = "image"
        template = TEMPLATES + "image.html"


class ButtonBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Text"), max_length=100)
    url = blocks.URLBlock(label=_("Link"))

    class Meta:
        label = _("Button")
        icon = "link"
        template = TEMPLATES + "button.html"


class ColumnBlock(blocks.StreamBlock):
    text = TextBlock()
    image = ImageBlock()
    button = ButtonBlock()

    class Meta:
        label = _("Column")


class TwoColumnsBlock(blocks.StructBlock):
    left = ColumnBlock(label=_("Left column"))
    right = ColumnBlock(label=_("Right column"))

    class Meta:
        label = _("Two columns")
        icon = "table"
        template = TEMPLATES + "two_columns.html"


class FooterBlock(blocks.StaticBlock):
    class Meta:
        label = _("Footer (controller, unsubscribe, preferences)")
        icon = "doc-full"
        admin_text = _(
            "The controller's details from the site settings, and each recipient's "
            "unsubscribe and preference links."
        )
        template = TEMPLATES + "footer.html"


def body_blocks() -> list[tuple[str, blocks.Block]]:
    return [
        ("text", TextBlock()),
        ("image", ImageBlock()),
        ("button", ButtonBlock()),
        ("two_columns", TwoColumnsBlock()),
        ("footer", FooterBlock()),
    ]
