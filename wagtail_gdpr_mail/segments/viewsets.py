"""The segment admin: a snippet viewset with the live count, the matching contacts,
snapshots and bulk assign / revoke as URLs of its own."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from ..admin.labels import LabelledViewSetMixin, ModelLabels
from ..admin.permissions import policy_for
from ..admin.views import LinkColumn
from ..models import Contact, Segment
from . import views

SEGMENT = ModelLabels(
    add=_("Add a segment"),
    created=_("Segment “%(object)s” created."),
    updated=_("Segment “%(object)s” saved."),
    deleted=_("Segment “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this segment?"),
    count_deleted=ngettext_lazy(
        "%(count)d segment deleted.", "%(count)d segments deleted.", "count"
    ),
    choose=_("Choose a segment"),
    choose_another=_("Choose another segment"),
    edit_chosen=_("Edit this segment"),
)


class SegmentToolsPanel(Panel):
    """The live count while editing, and links to the contacts and the bulk actions."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_gdpr_mail/admin/segment_tools_panel.html"

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            segment: Segment = self.instance
            saved = segment.pk is not None
            context.update(
                count_url=reverse(views.url_name("live_count")),
                segment=segment if saved else None,
                contacts_url=reverse(views.url_name("contacts"), args=[segment.pk])
                if saved
                else None,
                bulk_url=f"{reverse(views.url_name('bulk'))}?segment={segment.pk}"
                if saved
                and policy_for(Contact).user_has_any_permission(
                    self.request.user, ["assign", "revoke"]
                )
                else None,
                snapshot_url=reverse(views.url_name("snapshot"), args=[segment.pk])
                if saved and segment.is_static
                else None,
                latest_snapshot=segment.latest_snapshot() if saved else None,
            )
            return context


class SegmentViewSet(LabelledViewSetMixin, SnippetViewSet):
    labels = SEGMENT
    model = Segment
    icon = "crosshairs"
    menu_label = _("Segments")
    copy_view_enabled = False
    list_display = [
        "name",
        Column("kind", label=_("Kind"), accessor="get_kind_display"),
        Column("match", label=_("Match"), accessor="get_match_display"),
        UpdatedAtColumn(),
        LinkColumn(
            "contacts",
            label=_("Contacts"),
            text=_("Show contacts"),
            url_name=views.url_name("contacts"),
        ),
    ]
    list_filter = ["kind"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("description"),
            FieldPanel("kind"),
            FieldPanel("match"),
            FieldPanel("rules"),
            SegmentToolsPanel(heading=_("Contacts")),
        ]
    )

    def get_urlpatterns(self) -> list:
        contacts = Contact.snippet_viewset
        listing_kwargs = contacts.get_index_view_kwargs()
        return [
            *super().get_urlpatterns(),
            path("count/", views.LiveCountView.as_view(), name="live_count"),
            path(
                "contacts/<int:pk>/",
                contacts.construct_view(views.SegmentContactsView, **listing_kwargs),
                name="contacts",
            ),
            path(
                "contacts/<int:pk>/results/",
                contacts.construct_view(
                    views.SegmentContactsView, **listing_kwargs, results_only=True
                ),
                name="contacts_results",
            ),
            path("snapshot/<int:pk>/", views.SnapshotView.as_view(), name="snapshot"),
            path("bulk/", views.BulkOperationCreateView.as_view(), name="bulk"),
            path("bulk/<int:pk>/", views.BulkProgressView.as_view(), name="bulk_progress"),
            path("bulk/<int:pk>/status/", views.BulkStatusView.as_view(), name="bulk_status"),
        ]
