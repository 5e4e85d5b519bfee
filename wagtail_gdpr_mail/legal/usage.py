"""Where live pages use a purpose or a list: their subscription forms.

Found through Wagtail's reference index (a snippet chosen in a StreamField block is
a reference), then read from the live page itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from wagtail.blocks import StructValue
from wagtail.models import Page, ReferenceIndex

from ..subscriptions.blocks import forms_on


def live_pages_using(obj: Any) -> list[Page]:
    """Live pages whose content (e.g. a subscription form) refers to ``obj``."""
    page_type = ContentType.objects.get_for_model(Page)
    references = ReferenceIndex.get_references_to(obj).filter(base_content_type=page_type)
    ids = {int(pk) for pk in references.values_list("object_id", flat=True)}
    return list(Page.objects.live().filter(pk__in=ids).order_by("title"))


def forms_of(page: Page) -> Iterator[StructValue]:
    """The subscription forms on ``page`` (its specific, live content)."""
    yield from forms_on(page.specific)


def forms_collecting_for(purpose: Any) -> list[StructValue]:
    """The live forms that offer ``purpose``, as main or optional purpose."""
    found = []
    for page in live_pages_using(purpose):
        for form in forms_of(page):
            offered = [form.get("main_purpose"), *(form.get("extra_purposes") or [])]
            if any(p is not None and p.pk == purpose.pk for p in offered):
                found.append(form)
    return found
