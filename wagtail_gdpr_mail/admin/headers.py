"""Wagtail's header for the app's custom admin pages: breadcrumbs ending in the title.

Generic Wagtail views build this from their viewset; the app's own actions
(assign a purpose to a list, erase, list members, bulk confirmations) pass
:func:`header_context` to ``wagtailadmin/generic/base.html`` (or include the
slim header themselves), so every page shows where it is and the way back.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


def crumb(label: Any, url: str = "") -> dict[str, Any]:
    return {"url": url, "label": label}


def snippet_index_crumb(model: Any) -> dict[str, Any]:
    """The listing of ``model``'s viewset, e.g. "Lists"."""
    viewset = model.snippet_viewset
    return crumb(viewset.menu_label, reverse(viewset.get_url_name("list")))


def snippet_edit_crumb(instance: Any) -> dict[str, Any]:
    viewset = type(instance).snippet_viewset
    return crumb(str(instance), reverse(viewset.get_url_name("edit"), args=[instance.pk]))


def header_context(
    title: Any, *, icon: str, parents: list[dict[str, Any]], subtitle: Any = ""
) -> dict[str, Any]:
    """Context for ``wagtailadmin/generic/base.html``: Home › parents › title."""
    return {
        "page_title": title,
        "page_subtitle": subtitle,
        "header_title": f"{title}: {subtitle}" if subtitle else title,
        "header_icon": icon,
        "breadcrumbs_items": [
            *WagtailAdminTemplateMixin.breadcrumbs_items,  # Wagtail's own "Home"
            *parents,
            {"url": "", "label": title, "sublabel": subtitle},
        ],
    }
