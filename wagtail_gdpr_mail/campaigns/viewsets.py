"""The campaign admin: a snippet viewset (revisions, preview) with a sending page."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, Panel
from wagtail.admin.ui.tables import Column, UpdatedAtColumn
from wagtail.snippets.views.snippets import SnippetViewSet

from ..admin.labels import LabelledViewSetMixin, ModelLabels
from ..admin.permissions import policy_for
from ..admin.views import LinkColumn
from ..models import Campaign
from . import admin_views

CAMPAIGN = ModelLabels(
    add=_("Add a campaign"),
    created=_("Campaign “%(object)s” created."),
    updated=_("Campaign “%(object)s” saved."),
    deleted=_("Campaign “%(object)s” deleted."),
    delete_question=_("Are you sure you want to delete this campaign?"),
    count_deleted=ngettext_lazy(
        "%(count)d campaign deleted.", "%(count)d campaigns deleted.", "count"
    ),
    choose=_("Choose a campaign"),
    choose_another=_("Choose another campaign"),
    edit_chosen=_("Edit this campaign"),
)


class CampaignForm(WagtailAdminModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        purpose = cleaned.get("purpose")
        # A new campaign follows its purpose unless the editor chose otherwise.
        if (
            self.instance.pk is None
            and purpose is not None
            and "unsubscribe_revokes_purpose" not in self.changed_data
        ):
            cleaned["unsubscribe_revokes_purpose"] = purpose.revocable_by_unsubscribe
        return cleaned


class SendingPanel(Panel):
    """On the edit page: the campaign's status and a link to its sending page."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "wagtail_gdpr_mail/admin/campaign_sending_panel.html"

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            campaign: Campaign = self.instance
            context["campaign"] = campaign if campaign.pk else None
            context["sending_url"] = (
                reverse(admin_views.url_name("sending"), args=[campaign.pk]) if campaign.pk else ""
            )
            return context


class CampaignViewSet(LabelledViewSetMixin, SnippetViewSet):
    labels = CAMPAIGN
    model = Campaign
    icon = "mail"
    menu_label = _("Campaigns")
    copy_view_enabled = False
    list_display = [
        "name",
        Column("purpose", label=_("Purpose")),
        Column("status", label=_("Status"), accessor="get_status_display"),
        UpdatedAtColumn(),
        LinkColumn(
            "sending",
            label=_("Sending"),
            text=_("Progress and actions"),
            url_name=admin_views.url_name("sending"),
        ),
    ]
    list_filter = ["status", "purpose"]
    edit_handler = ObjectList(
        [
            SendingPanel(heading=_("Sending")),
            FieldPanel("name"),
            FieldPanel("subject"),
            FieldPanel("preheader"),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("from_name"), FieldPanel("from_email")])],
                heading=_("Sender"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("purpose"),
                    FieldPanel("unsubscribe_revokes_purpose"),
                    FieldPanel("target_lists"),
                    FieldPanel("target_segments"),
                ],
                heading=_("Purpose and recipients"),
            ),
            FieldPanel("body"),
        ],
        base_form_class=CampaignForm,
    )

    @cached_property
    def permission_policy(self):
        return policy_for(Campaign)

    def get_urlpatterns(self) -> list:
        actions = [
            path(f"{name}/<int:pk>/", view.as_view(), name=name)
            for name, view in admin_views.ACTIONS.items()
        ]
        return [
            *super().get_urlpatterns(),
            path("sending/<int:pk>/", admin_views.SendingView.as_view(), name="sending"),
            *actions,
        ]
