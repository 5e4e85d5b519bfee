"""StreamField blocks for the legal side of a site: the public register of sub-processors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from ..models import Subprocessor
from .adequacy import adequacy_as_of


class SubprocessorListBlock(blocks.StructBlock):
    """The register of sub-processors as a table: who gets the data, where, on which safeguard.

    The rows come from the ``Subprocessor`` snippets when the page renders, so the
    page stays current without editing it.
    """

    heading = blocks.CharBlock(label=_("Heading"), required=False)
    intro = blocks.RichTextBlock(
        label=_("Introduction"), required=False, features=["bold", "italic", "link"]
    )
    show_data_categories = blocks.BooleanBlock(
        label=_("Show categories of personal data"), required=False, default=True
    )

    class Meta:
        icon = "list-ul"
        label = _("Sub-processors")
        template = "wagtail_gdpr_mail/legal/subprocessor_list_block.html"

    def get_context(self, value: Any, parent_context: dict | None = None) -> dict[str, Any]:
        context = super().get_context(value, parent_context=parent_context)
        context["subprocessors"] = Subprocessor.objects.all()
        context["adequacy_as_of"] = adequacy_as_of()
        return context
