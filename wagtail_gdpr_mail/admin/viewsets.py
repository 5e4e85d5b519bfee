"""The app's admin: one menu group with contacts, lists, purposes and legal bases.

Declarative viewsets; every action on contacts and lists is a URL of its
viewset and asks the viewset's permission policy.
"""

from __future__ import annotations

from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from ..campaigns.viewsets import CampaignViewSet
from ..legal.views import LegalBasisDeleteView
from ..legal.viewsets import LEGAL_VIEWSETS
from ..models import Contact, ContactList, LegalBasis, ProcessingPurpose
from ..segments.viewsets import SegmentViewSet
from . import labels as model_labels
from .choosers import CurrentOnlyChooserViewSet, GuardedChooserViewSet, PurposeChooserViewSet
from .columns import LegalBasisColumn, LocalDateColumn
from .contact_detail import ContactInspectView
from .deletion import (
    ArchiveListView,
    ContactListDeleteView,
    DeactivatePurposeView,
    PurposeDeleteView,
)
from .filters import ContactFilterSet
from .forms import ContactForm
from .listing import ContactIndexView
from .lists import AddMembersView, MembersResultsView, MembersView, RemoveMemberView
from .notice import PurposeIndexView, SendNoticeView
from .permissions import policy_for
from .revoke import RevokeView
from .search import ContactSearchView
from .views import (
    AssignListView,
    AssignView,
    ContactEditView,
    ContactListIndexView,
    EraseView,
    ExportView,
)


class LegalBasisViewSet(model_labels.LabelledViewSetMixin, SnippetViewSet):
    labels = model_labels.LEGAL_BASIS
    model = LegalBasis
    icon = "doc-full"
    menu_label = _("Legal bases")
    delete_view_class = LegalBasisDeleteView
    list_display = [
        "__str__",
        Column("article", label=_("Article"), accessor="article_display"),
    ]


class ActionURLsMixin:
    """Adds ``actions`` (URL name, view class, path) to the viewset's URLs, each view
    given the viewset's permission policy."""

    actions: tuple[tuple[str, type, str], ...] = ()

    @cached_property
    def permission_policy(self):
        return policy_for(self.model)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            *(
                path(route, view.as_view(permission_policy=self.permission_policy), name=name)
                for name, view, route in self.actions
            ),
        ]


class ContactSearchURLMixin:
    """The POST search by address (``admin/search.py``)."""

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("search/", ContactSearchView.for_viewset(self), name="search"),
        ]


class PurposeViewSet(model_labels.LabelledViewSetMixin, ActionURLsMixin, SnippetViewSet):
    labels = model_labels.PURPOSE
    model = ProcessingPurpose
    icon = "tick-inverse"
    menu_label = _("Purposes")
    index_view_class = PurposeIndexView
    delete_view_class = PurposeDeleteView
    actions = (
        ("deactivate", DeactivatePurposeView, "deactivate/<int:pk>/"),
        ("notice", SendNoticeView, "notice/<int:pk>/"),
    )
    chooser_viewset_class = PurposeChooserViewSet
    list_display = [
        "name",
        LegalBasisColumn(),
        Column("retention_display", label=_("Retention")),
        BooleanColumn("revocable_by_unsubscribe", label=_("Unsubscribe revokes")),
        Column("purpose_category", label=_("Category"), accessor="get_purpose_category_display"),
        BooleanColumn("is_active", label=_("Active")),
    ]
    list_filter = ["legal_basis", "purpose_category", "is_active"]

    def get_queryset(self, request):
        # The legal-basis column reads each row's basis: one join, not a query per row.
        return ProcessingPurpose.objects.select_related("legal_basis")


class ContactListViewSet(model_labels.LabelledViewSetMixin, ActionURLsMixin, SnippetViewSet):
    labels = model_labels.CONTACT_LIST
    model = ContactList
    icon = "list-ul"
    menu_label = _("Lists")
    index_view_class = ContactListIndexView
    delete_view_class = ContactListDeleteView
    chooser_viewset_class = CurrentOnlyChooserViewSet
    list_display = ["name"]
    list_filter = ["archived"]
    actions = (
        ("assign", AssignListView, "assign/<int:pk>/"),
        ("archive", ArchiveListView, "archive/<int:pk>/"),
        ("members", MembersView, "members/<int:pk>/"),
        ("members_results", MembersResultsView, "members/<int:pk>/results/"),
        ("add_members", AddMembersView, "members/<int:pk>/add/"),
        ("remove_member", RemoveMemberView, "members/<int:pk>/remove/<int:contact_pk>/"),
    )


class ContactViewSet(
    model_labels.LabelledViewSetMixin, ContactSearchURLMixin, ActionURLsMixin, SnippetViewSet
):
    labels = model_labels.CONTACT
    model = Contact
    icon = "user"
    menu_label = _("Contacts")
    index_view_class = ContactIndexView
    index_results_template_name = "wagtail_gdpr_mail/admin/contact_index_results.html"
    chooser_viewset_class = GuardedChooserViewSet
    edit_view_class = ContactEditView
    inspect_view_enabled = True
    inspect_view_class = ContactInspectView
    filterset_class = ContactFilterSet
    list_display = [
        "email",
        Column("full_name", label=_("Full name")),
        "source",
        LocalDateColumn("created_at", label=_("Created"), sort_key="created_at", with_time=True),
    ]
    list_per_page = 25
    copy_view_enabled = False
    actions = (
        ("assign", AssignView, "assign/<int:pk>/"),
        ("revoke", RevokeView, "revoke/<int:pk>/"),
        ("export", ExportView, "export/<int:pk>/"),
        ("erase", EraseView, "erase/<int:pk>/"),
    )

    edit_handler = ObjectList(
        [
            FieldPanel("email"),
            FieldPanel("first_name"),
            FieldPanel("last_name"),
            FieldPanel("custom_fields"),
            FieldPanel("source"),
            FieldPanel("lists"),
        ],
        base_form_class=ContactForm,
    )


class GdprMailViewSetGroup(SnippetViewSetGroup):
    items = (
        ContactViewSet,
        ContactListViewSet,
        SegmentViewSet,
        CampaignViewSet,
        PurposeViewSet,
        LegalBasisViewSet,
        *LEGAL_VIEWSETS,
    )
    menu_label = _("GDPR mail")
    menu_icon = "mail"
    menu_order = 250
